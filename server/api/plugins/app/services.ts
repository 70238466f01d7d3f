import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import type { AppOptions } from '../../types';

/** Exposes the injected services on the instance. The app never closes them: their owner (server.ts) does. */
async function services(fastify: FastifyInstance, opts: AppOptions): Promise<void> {
  fastify.decorate('instanceId', opts.instanceId);
  fastify.decorate('tokens', opts.tokens);
  fastify.decorate('leaderboards', opts.stores.leaderboards);
  fastify.decorate('sessions', opts.stores.sessions);
  fastify.decorate('registry', opts.stores.registry);
  fastify.decorate('redis', opts.redis);
  fastify.decorate('drain', opts.drain ?? { draining: false });
}

export default fp(services, { name: 'services', fastify: '5.x' });
