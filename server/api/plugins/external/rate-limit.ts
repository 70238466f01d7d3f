import rateLimit from '@fastify/rate-limit';
import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import { ApiHttpError } from '../../errors';
import type { AppOptions } from '../../types';
import { ErrorCodes } from '../../../../shared/errors';

/**
 * Per-client-IP rate limit, counted in Redis so every instance shares one
 * budget. If Redis is down the limit is skipped rather than failing requests.
 */
async function rateLimitPlugin(fastify: FastifyInstance, opts: AppOptions): Promise<void> {
  if (opts.rateLimitMax <= 0) return;
  await fastify.register(rateLimit, {
    max: opts.rateLimitMax,
    timeWindow: 60_000,
    ...(opts.redis ? { redis: opts.redis, nameSpace: 'sc:rl:' } : {}),
    skipOnError: true,
    allowList: (request) => request.url.startsWith('/health/') || request.url === '/metrics',
    errorResponseBuilder: (_request, context) =>
      new ApiHttpError(429, ErrorCodes.rateLimited, `Rate limit of ${context.max} requests per ${context.after} exceeded; retry later.`),
  });
}

export default fp(rateLimitPlugin, { name: 'rate-limit', fastify: '5.x' });
