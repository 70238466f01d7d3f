import { ApiRequestError } from './api';
import { ErrorCodes } from '../../../shared/errors';

/** Retry period while a room is being restored (the API's 409 room/restoring asks for ~100 ms). */
export const REJOIN_RETRY_MS = 100;
/** Give up following the room after this long and show the loss panel instead. */
export const REJOIN_DEADLINE_MS = 15_000;

export type RejoinOutcome<T> =
  | { ok: true; value: T; attempts: number }
  | { ok: false; why: 'lost' | 'refused' | 'timeout'; message: string; attempts: number };

export interface RejoinOptions {
  deadlineMs?: number;
  retryMs?: number;
  /** Called before each attempt (1-based), e.g. to update the banner. */
  onAttempt?: (attempt: number, lastError: unknown) => void;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * What an answer to POST /v1/rooms/:roomId/rejoin means for the next step:
 * try again shortly (the room is being restored, the instance is overloaded or
 * unreachable, or the seat could not be taken on a node that just died), or
 * stop (410 room/lost; any other refusal).
 */
export function rejoinVerdict(err: unknown): 'retry' | 'lost' | 'refused' {
  if (!(err instanceof ApiRequestError)) return 'retry'; // network error, no API answered, or the join itself failed
  if (err.status === 410 || err.code === ErrorCodes.roomLost) return 'lost';
  if (err.status === 409 || err.status === 502 || err.status === 503 || err.status === 504) return 'retry';
  return 'refused';
}

/**
 * Follows a checkpointed room to its new home: calls `attempt` (ask the API
 * for a seat back, then take it) every `retryMs` until it succeeds, the API
 * says the room is gone, or `deadlineMs` has passed. Pure: no timers beyond
 * `sleep`, no DOM, so it is unit-tested with a fake clock.
 */
export async function followRoom<T>(attempt: () => Promise<T>, options: RejoinOptions = {}): Promise<RejoinOutcome<T>> {
  const { deadlineMs = REJOIN_DEADLINE_MS, retryMs = REJOIN_RETRY_MS, onAttempt } = options;
  const now = options.now ?? (() => performance.now());
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const t0 = now();
  let lastError: unknown = null;
  for (let n = 1; ; n++) {
    onAttempt?.(n, lastError);
    try {
      return { ok: true, value: await attempt(), attempts: n };
    } catch (err) {
      lastError = err;
      const verdict = rejoinVerdict(err);
      const message = err instanceof Error ? err.message : String(err);
      if (verdict !== 'retry') return { ok: false, why: verdict, message, attempts: n };
      if (now() - t0 + retryMs > deadlineMs) {
        return { ok: false, why: 'timeout', message: `No seat back within ${Math.round(deadlineMs / 1000)} s (last answer: ${message})`, attempts: n };
      }
      await sleep(retryMs);
    }
  }
}
