import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { HealthStatus } from '../../../../shared/api';

/** Liveness (the process answers) and readiness (it can reach Redis, when it uses one). */
const health: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.get('/live', { schema: { response: { 200: HealthStatus } } }, async () => ({ ok: true, instance: fastify.instanceId }));

  fastify.get('/ready', { schema: { response: { 200: HealthStatus, 503: HealthStatus } } }, async (_request, reply) => {
    if (!fastify.redis) return { ok: true, instance: fastify.instanceId, redis: 'none' as const };
    const up = await fastify.redis.ping().then(() => true, () => false);
    return reply.code(up ? 200 : 503).send({ ok: up, instance: fastify.instanceId, redis: up ? 'up' : 'down' });
  });
};

export default health;
