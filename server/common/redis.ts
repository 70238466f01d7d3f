import { Redis, ReplyError } from 'ioredis';
import { CodedError, type ErrorCodes } from '../../shared/errors';
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
  /**
   * For Colyseus's presence and driver: commands wait for the store however long
   * it is gone, and never reject for it. Colyseus fires many of them without a
   * handler (listings, stats), so a rejection there would be unhandled; our own
   * request paths check the store first, with fail-fast clients.
   */
  waitForever?: boolean;
}

/**
 * Redis could not be reached: the command never got an answer (not connected,
 * offline queue off, closed mid-flight, timed out, out of retries). `cause` is
 * the client's own error. An error Redis itself answered with is not this.
 */
export class RedisUnavailableError extends CodedError<typeof ErrorCodes.redisUnavailable> {
  constructor(message: string, options?: { cause?: unknown }) {
    super('redis/unavailable', message, options);
  }
}

/**
 * Rejects every failed command with a {@link RedisUnavailableError} unless Redis
 * answered it (a `ReplyError`: WRONGTYPE, a script's error...). ioredis gives its
 * transport failures no class of their own, except MaxRetriesPerRequestError:
 * "Stream isn't writeable", "Connection is closed" and "Command timed out" are
 * plain `Error`s. Every command, direct or auto-pipelined, passes through
 * `sendCommand`, and every failure through its command's `reject`.
 */
class CodedRedis extends Redis {
  override sendCommand(...[command, stream]: Parameters<Redis['sendCommand']>): unknown {
    const reject = command.reject;
    command.reject = (err: Error) => reject(err instanceof ReplyError || err instanceof RedisUnavailableError
      ? err
      : new RedisUnavailableError(`Redis is unavailable: ${err.message}`, { cause: err }));
    return super.sendCommand(command, stream);
  }
}

/**
 * The one Redis connection factory: auto-pipelined, named, reconnecting forever
 * with capped backoff. Commands that get no answer reject with {@link RedisUnavailableError}.
 */
export function createRedis(url: string, options: RedisOptions): Redis {
  const failFast = options.failFast ?? false;
  const redis = new CodedRedis(url, {
    connectionName: `statecraft:${options.role}`,
    enableAutoPipelining: true,
    lazyConnect: options.lazyConnect ?? false,
    enableOfflineQueue: !failFast,
    maxRetriesPerRequest: failFast ? 1 : options.waitForever ? null : 20,
    // A command stuck on a half-open socket must not hold a request forever.
    commandTimeout: failFast ? 1000 : undefined,
    // Reconnect attempts to a store that is down cost almost nothing (refused at once), and the
    // cap bounds how long after its return we notice: a room must be saved again within 1 s.
    retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 6), 250),
  });
  // Without a listener ioredis prints every reconnect failure; log only state changes.
  let down = false;
  redis.on('error', (err: Error) => {
    if (down) return;
    down = true;
    options.log?.warn({ err: err.message, role: options.role }, 'redis unavailable');
  });
  redis.on('ready', () => readySince.set(redis, performance.now()));
  redis.on('close', () => readySince.delete(redis));
  redis.on('ready', () => {
    if (down) options.log?.info({ role: options.role }, 'redis available again');
    down = false;
  });
  return redis;
}

const readySince = new WeakMap<Redis, number>();

/**
 * How long `redis` has been connected without a break, in ms (0 while it is
 * not). After a store outage every process reconnects at about the same time,
 * and nobody's heartbeat has landed yet: judging peers dead before they had a
 * heartbeat's TTL to beat again would declare the whole cluster dead.
 */
export function connectedForMs(redis: Redis): number {
  const since = readySince.get(redis);
  return since === undefined ? 0 : performance.now() - since;
}

/** Resolves once `redis` is ready, or rejects after `timeoutMs`. */
export function redisReady(redis: Redis, timeoutMs: number): Promise<void> {
  if (redis.status === 'ready') return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      redis.off('ready', onReady);
      reject(new RedisUnavailableError(`Redis not ready after ${timeoutMs} ms.`));
    }, timeoutMs);
    const onReady = (): void => {
      clearTimeout(timer);
      resolve();
    };
    redis.once('ready', onReady);
  });
}
