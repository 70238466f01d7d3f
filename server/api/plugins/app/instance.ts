import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import { INSTANCE_HEADER } from '../../../../shared/api';
import type { AppOptions } from '../../types';

/**
 * Names this instance on every response, counts the requests it serves in the
 * registry (one auto-pipelined INCR, not awaited by the request) and
 * heartbeats it there, so the cluster view lists every API instance.
 */
async function instance(fastify: FastifyInstance, opts: AppOptions): Promise<void> {
  const { instanceId, registry } = { instanceId: opts.instanceId, registry: opts.stores.registry };
  const ignore = (): void => {};

  fastify.addHook('onSend', async (_request, reply) => {
    reply.header(INSTANCE_HEADER, instanceId);
  });
  fastify.addHook('onResponse', async () => {
    registry.countRequests(instanceId).catch(ignore);
  });

  const heartbeatMs = opts.heartbeatMs ?? 500;
  if (heartbeatMs <= 0) return;
  const me = { id: instanceId, pid: process.pid, startedAt: Date.now() };
  const beat = (): void => {
    registry.apiHeartbeat(me).catch(ignore);
  };
  let timer: NodeJS.Timeout | undefined;
  fastify.addHook('onReady', async () => {
    beat();
    timer = setInterval(beat, heartbeatMs).unref();
  });
  fastify.addHook('onClose', async () => clearInterval(timer));
}

export default fp(instance, { name: 'instance', fastify: '5.x', dependencies: ['services'] });
