import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { unhandledRejections } from '../../../common/unhandled';

/**
 * Prometheus metrics: request counts and latency by route and status, plus
 * the process defaults, served at GET /metrics. A registry per app, so tests
 * can build several apps in one process.
 */
async function metrics(fastify: FastifyInstance): Promise<void> {
  const register = new Registry();
  collectDefaultMetrics({ register });
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

  fastify.addHook('onResponse', async (request, reply) => {
    // The route pattern, not the URL: one series per route, not per player id.
    const labels = { method: request.method, route: request.routeOptions.url ?? 'unmatched', status: reply.statusCode };
    requests.inc(labels);
    latency.observe(labels, reply.elapsedTime / 1000);
  });

  fastify.decorate('promRegistry', register);

  fastify.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
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
