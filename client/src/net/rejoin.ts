import { CodedError, ErrorCodes, type ErrorCode } from '../../../shared/errors';
import { ApiRequestError } from './api';

/** Retry period while a room is being restored (the API's 409 room/restoring asks for ~100 ms). */
export const REJOIN_RETRY_MS = 100;
/** Give up following the room (or finding a new match) after this long. */
export const REJOIN_DEADLINE_MS = 15_000;
/** Retry period for a new match: a seat on a node that died a moment ago fails fast; give the sweep time. */
export const REMATCH_RETRY_MS = 300;
/**
 * A match from the lobby waits out a store outage, which lasts seconds to minutes rather than the
 * fraction of a second a node's death does: first retry after 0.5 s, doubling to at most 5 s, for
 * up to 2 min (the player can stop it sooner).
 */
export const LOBBY_RETRY = { retryMs: 500, backoff: 2, maxRetryMs: 5000, deadlineMs: 120_000 } as const;

/** Codes that mean "not now, ask again shortly", whichever call gave them. */
const RETRY_CODES = new Set<ErrorCode>([ErrorCodes.roomRestoring, ErrorCodes.redisUnavailable, ErrorCodes.apiUnreachable]);
/** Statuses that mean the same from a proxy or an overloaded instance (no code of ours to go by). */
const RETRY_STATUS = new Set([409, 502, 503, 504]);

export type RetryOutcome<T> =
  | { ok: true; value: T; attempts: number }
  | { ok: false; why: 'lost' | 'refused' | 'timeout' | 'cancelled'; message: string; error: unknown; attempts: number };

export interface RetryOptions {
  deadlineMs?: number;
  retryMs?: number;
  /** Each wait is this many times the last one (default 1: a fixed period)... */
  backoff?: number;
  /** ...up to this long. */
  maxRetryMs?: number;
  /** The wait after a failed attempt, given the backed-off one (default: that one), e.g. shorter for a restore under way. */
  nextDelayMs?: (error: unknown, backedOffMs: number) => number;
  /** Called before each attempt (1-based), e.g. to update the banner. */
  onAttempt?: (attempt: number, lastError: unknown) => void;
  /** Called when an attempt failed and the next one comes in `delayMs`. */
  onRetry?: (attempt: number, error: unknown, delayMs: number) => void;
  /** Checked before each attempt: true stops with `why: 'cancelled'` (the player or the bot left). */
  cancelled?: () => boolean;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * What a failed seat attempt (a rejoin or a matchmake, then the join) means
 * for the next step: try again shortly (the room is being restored, Redis or
 * every API instance is briefly out, a proxy answered 502/503, or the seat
 * could not be taken on a node that just died), or stop (410 room/lost; any
 * other refusal).
 */
export function retryVerdict(err: unknown): 'retry' | 'lost' | 'refused' {
  if (!(err instanceof CodedError)) return 'retry'; // the join itself failed (the SDK's errors), or the network
  if (err.code === ErrorCodes.roomLost) return 'lost';
  if (RETRY_CODES.has(err.code)) return 'retry';
  if (err instanceof ApiRequestError) {
    if (err.status === 410) return 'lost';
    if (RETRY_STATUS.has(err.status)) return 'retry';
  }
  return 'refused';
}

/** The retry loop behind {@link followRoom} and {@link rematch}. Pure: no timers beyond `sleep`, no DOM. */
async function retrying<T>(attempt: () => Promise<T>, options: RetryOptions, defaults: { deadlineMs: number; retryMs: number }): Promise<RetryOutcome<T>> {
  const { deadlineMs = defaults.deadlineMs, retryMs = defaults.retryMs, backoff = 1, onAttempt, onRetry, cancelled, nextDelayMs } = options;
  const maxRetryMs = options.maxRetryMs ?? retryMs;
  const now = options.now ?? (() => performance.now());
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const t0 = now();
  let lastError: unknown = null;
  let delayMs = retryMs;
  for (let n = 1; ; n++) {
    if (cancelled?.()) return { ok: false, why: 'cancelled', message: 'cancelled', error: lastError, attempts: n - 1 };
    onAttempt?.(n, lastError);
    try {
      return { ok: true, value: await attempt(), attempts: n };
    } catch (err) {
      lastError = err;
      const verdict = retryVerdict(err);
      const message = err instanceof Error ? err.message : String(err);
      if (verdict !== 'retry') return { ok: false, why: verdict, message, error: err, attempts: n };
      const waitMs = nextDelayMs ? nextDelayMs(err, delayMs) : delayMs;
      if (now() - t0 + waitMs > deadlineMs) {
        return { ok: false, why: 'timeout', message: `No seat back within ${Math.round(deadlineMs / 1000)} s (last answer: ${message})`, error: err, attempts: n };
      }
      onRetry?.(n, err, waitMs);
      await sleep(waitMs);
      // A shorter wait (a restore under way) does not advance the backoff.
      if (waitMs === delayMs) delayMs = Math.min(maxRetryMs, delayMs * backoff);
    }
  }
}

/**
 * Follows a checkpointed room to its new home: calls `attempt` (ask the API
 * for a seat back, then take it) every REJOIN_RETRY_MS until it succeeds, the
 * API says the room is gone, or REJOIN_DEADLINE_MS has passed. The browser and
 * the bots both recover through this.
 */
export function followRoom<T>(attempt: () => Promise<T>, options: RetryOptions = {}): Promise<RetryOutcome<T>> {
  return retrying(attempt, options, { deadlineMs: REJOIN_DEADLINE_MS, retryMs: REJOIN_RETRY_MS });
}

/**
 * A new match after a session was lost: calls `attempt` (matchmake, then take
 * the seat) every REMATCH_RETRY_MS while the failure is worth retrying, until
 * REJOIN_DEADLINE_MS. Right after a kill the matchmaker may still offer the
 * dead node once.
 */
export function rematch<T>(attempt: () => Promise<T>, options: RetryOptions = {}): Promise<RetryOutcome<T>> {
  return retrying(attempt, options, { deadlineMs: REJOIN_DEADLINE_MS, retryMs: REMATCH_RETRY_MS });
}

/**
 * The player's match from the lobby (log in, matchmake, take the seat): retried with backoff
 * (LOBBY_RETRY) while the failure is worth retrying, above all a store outage (redis/unavailable),
 * during which login and matchmaking are paused but the API answers at once.
 */
export function lobbyMatch<T>(attempt: () => Promise<T>, options: RetryOptions = {}): Promise<RetryOutcome<T>> {
  return retrying(attempt, { backoff: LOBBY_RETRY.backoff, maxRetryMs: LOBBY_RETRY.maxRetryMs, ...options }, LOBBY_RETRY);
}
