import { Redis } from 'ioredis';
import type { Logger } from './logger';

/** Prefix of every key Statecraft owns. Colyseus's own keys (`roomcount`, `roomcaches`) stay unprefixed. */
export const KEY_PREFIX = 'sc:';

export interface RedisOptions {
  /** Shown in `CLIENT LIST` (`statecraft:<role>`), so a stuck connection can be traced to its owner. */
  role: string;
  log?: Logger;
  /** Connect on first command instead of at once. */
  lazyConnect?: boolean;
  /**
   * Request paths: commands fail at once while disconnected instead of queueing,
   * so a Redis outage turns into a fast 503 rather than a hung request.
   */
  failFast?: boolean;
}

/** The one Redis connection factory: auto-pipelined, named, reconnecting forever with capped backoff. */
export function createRedis(url: string, options: RedisOptions): Redis {
  const failFast = options.failFast ?? false;
  const redis = new Redis(url, {
    connectionName: `statecraft:${options.role}`,
    enableAutoPipelining: true,
    lazyConnect: options.lazyConnect ?? false,
    enableOfflineQueue: !failFast,
    maxRetriesPerRequest: failFast ? 1 : 20,
    // A command stuck on a half-open socket must not hold a request forever.
    commandTimeout: failFast ? 1000 : undefined,
    retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 6), 2000),
  });
  // Without a listener ioredis prints every reconnect failure; log only state changes.
  let down = false;
  redis.on('error', (err: Error) => {
    if (down) return;
    down = true;
    options.log?.warn({ err: err.message, role: options.role }, 'redis unavailable');
  });
  redis.on('ready', () => {
    if (down) options.log?.info({ role: options.role }, 'redis available again');
    down = false;
  });
  return redis;
}

const UNAVAILABLE = /Stream isn't writeable|Connection is closed|Command timed out|ECONNREFUSED|ECONNRESET|ETIMEDOUT|MaxRetriesPerRequest|max retries/i;

/** True when `err` means Redis could not be reached (as opposed to a bad command or a bug). */
export function isRedisUnavailable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  return err.name === 'MaxRetriesPerRequestError' || UNAVAILABLE.test(err.message);
}

/** Resolves once `redis` is ready, or rejects after `timeoutMs`. */
export function redisReady(redis: Redis, timeoutMs: number): Promise<void> {
  if (redis.status === 'ready') return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      redis.off('ready', onReady);
      reject(new Error(`redis not ready after ${timeoutMs} ms`));
    }, timeoutMs);
    const onReady = (): void => {
      clearTimeout(timer);
      resolve();
    };
    redis.once('ready', onReady);
  });
}
