import rateLimit from '@fastify/rate-limit';
import fp from 'fastify-plugin';
import type { FastifyInstance, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import { ApiHttpError } from '../../errors';
import type { AppOptions } from '../../types';
import { ErrorCodes, type ErrorCode } from '../../../../shared/errors';

/** A budget for one kind of request, counted per key across every instance (in Redis). */
export interface LimitSpec {
  /** Requests allowed per minute per key; 0 = no limit (the hook does nothing). */
  perMinute: number;
  /** The budget's key for a request (an IP, a player id); prefixed with the spec's code so budgets never mix. */
  key(request: FastifyRequest): string;
  code: ErrorCode;
  /** What the refused client is told (the retry delay is added). */
  message: string;
}

/**
 * Per-client-IP rate limit on every route, counted in Redis so every instance
 * shares one budget, plus `fastify.limit(spec)` for routes that need a budget
 * of their own (guest logins per IP, matchmaking per player). If Redis is down
 * the limits are skipped rather than failing requests.
 */
async function rateLimitPlugin(fastify: FastifyInstance, opts: AppOptions): Promise<void> {
  await fastify.register(rateLimit, {
    // Registered even when the per-IP limit is off (0), so per-route budgets still work.
    global: opts.rateLimitMax > 0,
    max: opts.rateLimitMax,
    timeWindow: 60_000,
    ...(opts.redis ? { redis: opts.redis, nameSpace: 'sc:rl:' } : {}),
    skipOnError: true,
    allowList: (request) => request.url.startsWith('/health/') || request.url === '/metrics',
    errorResponseBuilder: (_request, context) =>
      new ApiHttpError(429, ErrorCodes.rateLimited, `Rate limit of ${context.max} requests per ${context.after} exceeded; retry later.`,
        { retryAfterSeconds: Math.max(1, Math.ceil(context.ttl / 1000)) }),
  });

  fastify.decorate('limit', (spec: LimitSpec): preHandlerAsyncHookHandler => {
    if (spec.perMinute <= 0) return async () => {};
    // createRateLimit, not rateLimit(): the latter is skipped on a request the per-IP limit already ran on.
    const check = fastify.createRateLimit({
      max: spec.perMinute, timeWindow: 60_000, allowList: () => false, keyGenerator: (request) => `${spec.code}:${spec.key(request)}`,
    });
    return async (request) => {
      const result = await check(request);
      if (!result.isAllowed && result.isExceeded) {
        const retryAfterSeconds = Math.max(1, result.ttlInSeconds);
        throw new ApiHttpError(429, spec.code, `${spec.message} Retry in ${retryAfterSeconds} s.`, { retryAfterSeconds });
      }
    };
  });
}

declare module 'fastify' {
  interface FastifyInstance {
    /** A preHandler enforcing `spec`'s budget with a 429 `spec.code` and `Retry-After`. */
    limit(spec: LimitSpec): preHandlerAsyncHookHandler;
  }
}

export default fp(rateLimitPlugin, { name: 'rate-limit', fastify: '5.x' });
