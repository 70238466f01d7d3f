import fp from 'fastify-plugin';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { bearerMatches } from '../../../common/tokens';
import { registerHeapLiveGauge } from '../../../common/heap-gauge';
import { unhandledRejections } from '../../../common/unhandled';
import { unauthorized } from '../../errors';
import type { AppOptions } from '../../types';
import { ErrorCodes } from '../../../../shared/errors';

/**
 * Prometheus metrics: request counts and latency by route and status, plus
 * the process defaults and the heap kept after the last full GC, served at
 * GET /metrics, behind a bearer token when `metricsToken` is set. A registry
 * per app, so tests can build several apps in one process.
 */
async function metrics(fastify: FastifyInstance, opts: AppOptions): Promise<void> {
  const register = new Registry();
  collectDefaultMetrics({ register });
  const stopHeapGauge = registerHeapLiveGauge(register);
  fastify.addHook('onClose', async () => stopHeapGauge());
  const labelNames = ['method', 'route', 'status'] as const;
  const requests = new Counter({ name: 'http_requests_total', help: 'HTTP requests served', labelNames, registers: [register] });
  const latency = new Histogram({
    name: 'http_request_duration_seconds', help: 'HTTP request latency', labelNames, registers: [register],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
  });

  new Counter({
    name: 'statecraft_unhandled_rejections_total', help: 'Promises nobody handled (each is a bug; the fault tests assert 0)', registers: [register],
    collect() { this.reset(); this.inc(unhandledRejections()); },
  });
  new Gauge({
    name: 'statecraft_store_up', help: 'The store is reachable (1) or not (0): store routes answer 503 while it is 0', registers: [register],
    collect() { this.set(fastify.store.up ? 1 : 0); },
  });

  fastify.addHook('onResponse', (request, reply, done) => {
    // The route pattern, not the URL: one series per route, not per player id.
    const labels = { method: request.method, route: request.routeOptions.url ?? 'unmatched', status: reply.statusCode };
    requests.inc(labels);
    latency.observe(labels, reply.elapsedTime / 1000);
    done();
  });

  fastify.decorate('promRegistry', register);

  const token = opts.metricsToken;
  const guard = token
    ? async (request: FastifyRequest) => {
      if (bearerMatches(request.headers.authorization, token)) return;
      throw unauthorized(request.headers.authorization ? ErrorCodes.authInvalid : ErrorCodes.authRequired,
        'GET /metrics needs Authorization: Bearer <METRICS_TOKEN>.');
    }
    : undefined;
  fastify.get('/metrics', { schema: { hide: true }, ...(guard ? { onRequest: guard } : {}) }, async (_request, reply) => {
    reply.type(register.contentType);
    return register.metrics();
  });
}

declare module 'fastify' {
  interface FastifyInstance {
    /** This app's Prometheus registry (plugins add their own metrics to it). */
    promRegistry: Registry;
  }
}

export default fp(metrics, { name: 'metrics', fastify: '5.x', dependencies: ['store'] });
