import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import { INSTANCE_HEADER } from '../../../../shared/api';
import type { AppOptions } from '../../types';

/**
 * Names this instance on every response, counts the requests it serves and
 * heartbeats it into the registry, so the cluster view lists every API
 * instance. Counts are flushed with each heartbeat (one INCRBY), not one
 * Redis command per request: a crash loses at most one interval of a statistic.
 */
async function instance(fastify: FastifyInstance, opts: AppOptions): Promise<void> {
  const { instanceId, registry } = { instanceId: opts.instanceId, registry: opts.stores.registry };
  const ignore = (): void => {};

  // Callback hooks, not async ones: no promise per request.
  fastify.addHook('onSend', (_request, reply, payload, done) => {
    reply.header(INSTANCE_HEADER, instanceId);
    done(null, payload);
  });
  const heartbeatMs = opts.heartbeatMs ?? 500;
  let served = 0;
  fastify.addHook('onResponse', (_request, _reply, done) => {
    // Without a heartbeat (tests) every request is counted at once.
    if (heartbeatMs <= 0) registry.countRequests(instanceId).catch(ignore);
    else served++;
    done();
  });
  if (heartbeatMs <= 0) return;

  const me = { id: instanceId, pid: process.pid, startedAt: Date.now() };
  const beat = (): void => {
    registry.apiHeartbeat(me).catch(ignore);
    if (served === 0) return;
    const count = served;
    served = 0;
    registry.countRequests(instanceId, count).catch(() => {
      served += count; // Redis is down: keep the count for the next beat
    });
  };
  let timer: NodeJS.Timeout | undefined;
  fastify.addHook('onReady', async () => {
    beat();
    timer = setInterval(beat, heartbeatMs).unref();
  });
  fastify.addHook('onClose', async () => {
    clearInterval(timer);
    beat(); // the last counts
  });
}

export default fp(instance, { name: 'instance', fastify: '5.x', dependencies: ['services'] });
