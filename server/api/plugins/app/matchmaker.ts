import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import type { AppOptions } from '../../types';

/** The {@link Matchmaker} seam: standalone Colyseus matchmaker in cluster mode, the process's own in one-process mode. */
async function matchmaker(fastify: FastifyInstance, opts: AppOptions): Promise<void> {
  fastify.decorate('matchmaker', opts.matchmaker);
}

export default fp(matchmaker, { name: 'matchmaker', fastify: '5.x' });
