import { Redis, ReplyError, type RedisOptions as IoRedisOptions } from 'ioredis';
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
  /**
   * Batch commands issued in one tick into one write (default true). Off for a connection whose
   * commands come one per tick anyway: each would then pay for a pipeline of one, and ioredis
   * keeps one auto-pipeline in flight per connection, so a slow store spaces them a round trip apart.
   */
  autoPipelining?: boolean;
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

/** Scheme of a store address that names Sentinels instead of a server (Lettuce's form). */
export const SENTINEL_SCHEME = 'redis-sentinel:';

/** Where the store is: one server (`redis://…`) or a primary found through Sentinels. */
export type StoreAddress =
  | { kind: 'server'; url: string }
  | { kind: 'sentinel'; sentinels: { host: string; port: number }[]; name: string };

/**
 * Parses a store address: `redis://host:port[/db]` (one server), or
 * `redis-sentinel://host:port,host:port,...#name` (ask these Sentinels for the
 * primary of `name`; Lettuce's syntax). Throws on a malformed Sentinel list.
 */
export function parseStoreAddress(address: string): StoreAddress {
  if (!address.startsWith(SENTINEL_SCHEME)) return { kind: 'server', url: address };
  const [hosts = '', name = ''] = address.slice(SENTINEL_SCHEME.length).replace(/^\/\//, '').split('#');
  const sentinels = hosts.replace(/\/$/, '').split(',').filter(Boolean).map((hp) => {
    const m = /^([^:\s]+):(\d{1,5})$/.exec(hp);
    if (!m) throw new Error(`Bad Sentinel address "${hp}" in ${address}: want host:port.`);
    return { host: m[1]!, port: Number(m[2]) };
  });
  if (!sentinels.length || !name) throw new Error(`Bad Sentinel store address ${address}: want ${SENTINEL_SCHEME}//host:port,host:port#name.`);
  return { kind: 'sentinel', sentinels, name };
}

/** The address `parseStoreAddress` reads back, for `host:port,host:port` and a primary's name. */
export function sentinelAddress(sentinels: string, name: string): string {
  return `${SENTINEL_SCHEME}//${sentinels}#${name}`;
}

/**
 * The one Redis connection factory: auto-pipelined (unless told not to), named, reconnecting forever
 * with capped backoff. Commands that get no answer reject with {@link RedisUnavailableError}.
 * `address` is a store address ({@link parseStoreAddress}): with Sentinels the
 * client asks them for the primary at every (re)connect, so after a failover it
 * reconnects to the promoted replica by itself; the options behave the same.
 */
export function createRedis(address: string, options: RedisOptions): Redis {
  const failFast = options.failFast ?? false;
  // Reconnect attempts to a store that is down cost almost nothing (refused at once), and the
  // cap bounds how long after its return we notice: a room must be saved again within 1 s.
  const backoff = (times: number) => Math.min(50 * 2 ** Math.min(times, 6), 250);
  const common: IoRedisOptions = {
    connectionName: `statecraft:${options.role}`,
    enableAutoPipelining: options.autoPipelining ?? true,
    lazyConnect: options.lazyConnect ?? false,
    enableOfflineQueue: !failFast,
    maxRetriesPerRequest: failFast ? 1 : options.waitForever ? null : 20,
    // A command stuck on a half-open socket must not hold a request forever.
    commandTimeout: failFast ? 1000 : undefined,
    retryStrategy: backoff,
    // A primary demoted by Sentinel (it came back after a failover, or a manual SENTINEL FAILOVER)
    // answers writes with READONLY: reconnect, which asks Sentinel again, and resend the command.
    reconnectOnError: (err) => (err.message.startsWith('READONLY') ? 2 : false),
  };
  const target = parseStoreAddress(address);
  const redis = target.kind === 'server'
    ? new CodedRedis(target.url, common)
    : new CodedRedis({
      ...common,
      sentinels: target.sentinels,
      name: target.name,
      // Sentinels refuse at once while down, as the store does: the same capped backoff.
      sentinelRetryStrategy: backoff,
      // A hung Sentinel must not hold a reconnect: try the next one.
      sentinelCommandTimeout: 1000,
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
