import type { Redis } from 'ioredis';
import { RedisUnavailableError } from '../common/redis';
import type { Logger } from '../common/logger';

/**
 * Whether this API instance can reach the store right now, from its Redis
 * connections' own state (no probe per request). Every connection it watches
 * must be ready: the request path's fail-fast client and, in cluster mode,
 * Colyseus's presence and driver, whose commands queue for as long as the store
 * is gone. Logs one WARN per transition, however many connections flap.
 */
export interface StoreWatch {
  /** True while every watched connection is ready (always true without a store). */
  readonly up: boolean;
  /** Adds a connection whose readiness counts too (Colyseus's presence and driver). */
  watch(redis: Redis): void;
  /**
   * `work`'s result, or a {@link RedisUnavailableError} as soon as the store is
   * lost or (with `timeoutMs`) after that long, whichever comes first. For calls
   * on connections that queue during an outage (Colyseus's): without it they
   * would wait the outage out.
   */
  bounded<T>(work: Promise<T>, timeoutMs?: number): Promise<T>;
  close(): void;
}

/** A {@link StoreWatch} over `redis` (null: one-process mode, no store to lose). */
export function watchStore(redis: Redis | null, log: Pick<Logger, 'warn'>): StoreWatch {
  const connections: Redis[] = [];
  const lostListeners = new Set<() => void>();
  const cleanups: (() => void)[] = [];
  const allReady = (): boolean => connections.every((c) => c.status === 'ready');
  let up = redis ? redis.status === 'ready' : true;
  let changedAt = performance.now();
  // Until every connection has been ready once, the instance is starting, not losing its store.
  let started = up;

  const update = (): void => {
    const now = allReady();
    if (now === up) return;
    const forMs = Math.round(performance.now() - changedAt);
    up = now;
    changedAt = performance.now();
    if (!started) {
      started = now;
      return;
    }
    if (!now) {
      log.warn({ upForMs: forMs }, 'store lost: routes that need it answer 503 redis/unavailable until it is back');
      for (const listener of [...lostListeners]) listener();
    } else {
      log.warn({ downForMs: forMs }, 'store back: every route answers again');
    }
  };

  const watch = (conn: Redis): void => {
    connections.push(conn);
    if (conn.status !== 'ready') started = false; // a connection still opening is not a lost store
    // 'close' fires the moment the socket goes (a SIGKILLed store resets it); 'ready' once a reconnect is usable.
    for (const event of ['ready', 'close', 'end'] as const) {
      conn.on(event, update);
      cleanups.push(() => conn.off(event, update));
    }
    update();
  };
  if (redis) watch(redis);

  return {
    get up() {
      return up;
    },
    watch,
    bounded<T>(work: Promise<T>, timeoutMs?: number): Promise<T> {
      work.catch(() => {}); // a late rejection after we gave up is expected, not unhandled
      if (!up) return Promise.reject(new RedisUnavailableError('Redis is unavailable.'));
      return new Promise<T>((resolve, reject) => {
        const done = (): void => {
          clearTimeout(timer);
          lostListeners.delete(onLost);
        };
        const onLost = (): void => {
          done();
          reject(new RedisUnavailableError('Redis was lost while the request waited for it.'));
        };
        const timer = timeoutMs === undefined ? undefined : setTimeout(() => {
          done();
          reject(new RedisUnavailableError(`No answer from the store within ${timeoutMs} ms.`));
        }, timeoutMs);
        lostListeners.add(onLost);
        work.then((value) => {
          done();
          resolve(value);
        }, (err: unknown) => {
          done();
          reject(err);
        });
      });
    },
    close() {
      for (const c of cleanups.splice(0)) c();
      lostListeners.clear();
    },
  };
}
