import { CodedError, ErrorCodes, type ErrorCode } from '../../../shared/errors';
import { ApiRequestError } from './api';

/** Retry period while a room is being restored (the API's 409 room/restoring asks for ~100 ms). */
export const REJOIN_RETRY_MS = 100;
/** Give up following the room (or finding a new match) after this long. */
export const REJOIN_DEADLINE_MS = 15_000;
/** Retry period for a new match: a seat on a node that died a moment ago fails fast; give the sweep time. */
export const REMATCH_RETRY_MS = 300;

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
  /** Called before each attempt (1-based), e.g. to update the banner. */
  onAttempt?: (attempt: number, lastError: unknown) => void;
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
  const { deadlineMs = defaults.deadlineMs, retryMs = defaults.retryMs, onAttempt, cancelled } = options;
  const now = options.now ?? (() => performance.now());
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const t0 = now();
  let lastError: unknown = null;
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
      if (now() - t0 + retryMs > deadlineMs) {
        return { ok: false, why: 'timeout', message: `No seat back within ${Math.round(deadlineMs / 1000)} s (last answer: ${message})`, error: err, attempts: n };
      }
      await sleep(retryMs);
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
