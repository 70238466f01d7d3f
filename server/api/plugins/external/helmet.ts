import helmet from '@fastify/helmet';
import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';

/** Security headers on every response. Swagger UI brings its own CSP hashes (`staticCSP`). */
async function helmetPlugin(fastify: FastifyInstance): Promise<void> {
  await fastify.register(helmet, { global: true });
}

export default fp(helmetPlugin, { name: 'helmet', fastify: '5.x' });
