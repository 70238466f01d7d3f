import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { HealthStatus } from '../../../../shared/api';

/** Liveness (the process answers) and readiness (it can reach Redis, when it uses one). */
const health: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.get('/live', {
    schema: { summary: 'The process answers', description: 'Needs no store: true during a store outage too.', response: { 200: HealthStatus } },
  }, async () => ({ ok: true, instance: fastify.instanceId }));

  fastify.get('/ready', {
    schema: {
      summary: 'The instance can serve every route',
      description: 'Needs no store to answer: 503 with `ok: false, redis: "down"` while the store is unreachable, and with `draining: true` once the instance drains (SIGTERM).',
      response: { 200: HealthStatus, 503: HealthStatus },
    },
  }, async (_request, reply) => {
    if (fastify.drain.draining) return reply.code(503).send({ ok: false, instance: fastify.instanceId, draining: true });
    if (!fastify.redis) return { ok: true, instance: fastify.instanceId, redis: 'none' as const };
    // The watch knows at once when a connection drops; the ping catches a store that hangs with the socket open.
    const up = fastify.store.up && await fastify.redis.ping().then(() => true, () => false);
    return reply.code(up ? 200 : 503).send({ ok: up, instance: fastify.instanceId, redis: up ? 'up' : 'down' });
  });
};

export default health;
