import cors from '@fastify/cors';
import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import type { AppOptions } from '../../types';

/** CORS for the game's own origins only (CORS_ORIGINS). */
async function corsPlugin(fastify: FastifyInstance, opts: AppOptions): Promise<void> {
  await fastify.register(cors, {
    origin: opts.corsOrigins,
    methods: ['GET', 'POST'],
    allowedHeaders: ['authorization', 'content-type'],
    exposedHeaders: ['x-statecraft-instance', 'retry-after'],
    maxAge: 600,
  });
}

export default fp(corsPlugin, { name: 'cors', fastify: '5.x' });
