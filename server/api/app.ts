import Fastify, { LogController, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import cors from './plugins/external/cors';
import securityHeaders from './plugins/external/security-headers';
import rateLimit from './plugins/external/rate-limit';
import swagger from './plugins/external/swagger';
import auth from './plugins/app/auth';
import errors, { frameworkErrors } from './plugins/app/errors';
import instance from './plugins/app/instance';
import matchmaker from './plugins/app/matchmaker';
import metrics from './plugins/app/metrics';
import nodeWatch from './plugins/app/node-watch';
import services from './plugins/app/services';
import store from './plugins/app/store';
import authRoutes from './routes/auth';
import clusterRoutes from './routes/cluster';
import healthRoutes from './routes/health';
import leaderboardRoutes from './routes/leaderboards';
import matchmakeRoutes from './routes/matchmake';
import playerRoutes from './routes/players';
import roomRoutes from './routes/rooms';
import type { AppOptions } from './types';

export type { AppOptions } from './types';

/** Request bodies here are a name or a token: anything bigger is refused before parsing. */
export const BODY_LIMIT = 8 * 1024;

/** The API as a Fastify plugin. It never listens: server.ts (or a test's `inject`) drives it. */
export default async function app(fastify: FastifyInstance, opts: AppOptions): Promise<void> {
  await fastify.register(errors);
  await fastify.register(securityHeaders);
  await fastify.register(cors, opts);
  await fastify.register(rateLimit, opts);
  // Before swagger: its route hook must see the store notes this one adds.
  await fastify.register(store, opts);
  await fastify.register(swagger);

  await fastify.register(services, opts);
  await fastify.register(auth);
  await fastify.register(matchmaker, opts);
  await fastify.register(instance, opts);
  await fastify.register(metrics, opts);
  await fastify.register(nodeWatch, opts);

  await fastify.register(healthRoutes, { prefix: '/health' });
  await fastify.register(authRoutes, { ...opts, prefix: '/v1/auth' });
  await fastify.register(leaderboardRoutes, { prefix: '/v1/leaderboards' });
  await fastify.register(playerRoutes, { prefix: '/v1/players' });
  await fastify.register(matchmakeRoutes, { ...opts, prefix: '/v1/matchmake' });
  await fastify.register(clusterRoutes, { prefix: '/v1/cluster' });
  await fastify.register(roomRoutes, { prefix: '/v1/rooms' });
}

/** Fastify's own options for the API; `logger` is a pino instance or pino options. */
export function serverOptions(logger: FastifyServerOptions['logger'] | FastifyServerOptions['loggerInstance'], trustProxy: string[] = []): FastifyServerOptions {
  const base: FastifyServerOptions = {
    bodyLimit: BODY_LIMIT,
    // Behind the ingress every request comes from it: request.ip is the player's only if the hop is trusted.
    trustProxy: trustProxy.length > 0 ? trustProxy : false,
    // Extra fields are refused (400), not silently stripped.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true } },
    return503OnClosing: true,
    frameworkErrors,
    // Two log lines per request would drown the cluster's console (the page polls
    // /v1/cluster twice a second) and cost more than the request; GET /metrics
    // counts requests, and errors are logged by the error handler.
    logController: new LogController({ disableRequestLogging: true }),
  };
  return logger && typeof logger === 'object' && 'child' in logger
    ? { ...base, loggerInstance: logger as FastifyServerOptions['loggerInstance'] }
    : { ...base, logger: logger as FastifyServerOptions['logger'] };
}

/** Builds a ready-to-inject (or listen) API instance. */
export async function buildApp(opts: AppOptions, logger: FastifyServerOptions['logger'] | FastifyServerOptions['loggerInstance'] = false): Promise<FastifyInstance> {
  const fastify = Fastify(serverOptions(logger, opts.trustProxy)).withTypeProvider<TypeBoxTypeProvider>();
  await fastify.register(app, opts);
  return fastify as unknown as FastifyInstance;
}
