import type { RejoinResult } from '../../../shared/api';
import { CodedError, ErrorCodes } from '../../../shared/errors';
import type { StoreNotice } from '../../../shared/protocol';
import { followRoom, REJOIN_RETRY_MS } from './rejoin';

/**
 * When to follow a paused room, and how often to ask again. The host pauses
 * 1 s after its last acknowledged heartbeat and peers may restore the room
 * from 1.2 s, so 0.5 s after the first paused notice (≈ 1.5 s into a
 * partition) the API usually has a live copy to offer: back in play ≈ 2 s
 * after the partition starts, under the 2.5 s promised. An answer that names
 * the paused copy itself, or a store the API cannot reach either, is asked
 * again after 0.25 s, doubling to 5 s, for as long as the room stays paused.
 */
export const PAUSED_FOLLOW = { afterMs: 500, retryMs: 250, backoff: 2, maxRetryMs: 5000 } as const;

/** The copy a player sits in: its node and fencing epoch (NodeInfo's). */
export interface CopyId {
  nodeId: string;
  epoch: number | null;
}

/**
 * The API named the very copy that is paused: its host's lease has not lapsed
 * in the store yet (or the store is slow, not gone). Not a seat worth taking:
 * a second connection to the same room would only evict this one.
 */
export class SameCopyAnswer extends Error {
  constructor(readonly result: RejoinResult) {
    super(`the API still places room on ${result.nodeId} at epoch ${result.epoch}: the paused copy`);
  }
}

/** Why the last request did not give a seat elsewhere, as the HUD says it. */
export type PausedAnswer = 'same-copy' | 'store-down' | 'restoring' | 'failed';

export function pausedAnswer(err: unknown): PausedAnswer {
  if (err instanceof SameCopyAnswer) return 'same-copy';
  if (err instanceof CodedError && err.code === ErrorCodes.redisUnavailable) return 'store-down';
  if (err instanceof CodedError && err.code === ErrorCodes.roomRestoring) return 'restoring';
  return 'failed';
}

/** A seat on another copy of the room, and how the follow went. */
export interface PausedSeat<T> {
  result: RejoinResult;
  value: T;
  state: PausedFollowState;
}

/** Where a follow stands, for the HUD (and the bots' records). Clock: PausedFollowOptions.now. */
export interface PausedFollowState {
  /** When the first paused notice of this pause arrived. */
  pausedAt: number;
  /** ms the room had gone unsaved at that notice: pausedAt minus this is its last acknowledged save. */
  unsavedMs: number;
  /** Requests to the API so far (0: still waiting out PAUSED_FOLLOW.afterMs). */
  attempts: number;
  lastAnswer: PausedAnswer | null;
  /** When the next request goes out (null: one is in flight, or none is planned). */
  nextAt: number | null;
}

export interface PausedFollowOptions<T> {
  /** The copy the player sits in now (null until its host introduced itself). */
  copy: () => CopyId | null;
  /** One request for the room (POST /v1/rooms/:id/rejoin): where it lives now, with a seat there. */
  ask: () => Promise<RejoinResult>;
  /** Takes a seat the API granted on another copy. */
  take: (result: RejoinResult) => Promise<T>;
  /** Seated elsewhere: the caller leaves the paused copy. */
  onSeated: (seat: PausedSeat<T>) => void;
  /** Any change of the state (null: nothing to follow). */
  onChange?: (state: PausedFollowState | null) => void;
  now?: () => number;
  /** One-shot timer; returns its cancel. */
  setTimer?: (fn: () => void, ms: number) => () => void;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * Follows a checkpointed room whose host paused it for the store (net and
 * browser alike: the bots and the page feed it their host's store notices).
 * PAUSED_FOLLOW.afterMs after the first paused notice it asks the API for the
 * room; the paused connection stays until a seat on another copy is taken.
 * An answer that names the paused copy, or 503 redis/unavailable (the store is
 * out for everyone), is asked again with backoff; a 409 room/restoring after
 * REJOIN_RETRY_MS. The host reaching the store again (a notice that says so,
 * paused or not) or the connection ending (`stop`) cancels it; a request already in flight still
 * completes, and a seat it got on another copy is taken: that copy is the live one.
 */
export class PausedRoomFollower<T> {
  #state: PausedFollowState | null = null;
  #cancelTimer: (() => void) | null = null;
  #inFlight: Promise<PausedSeat<T> | null> | null = null;
  #stopped = false;
  #done = false;
  readonly #now: () => number;
  readonly #setTimer: NonNullable<PausedFollowOptions<T>['setTimer']>;

  constructor(private readonly options: PausedFollowOptions<T>) {
    this.#now = options.now ?? (() => performance.now());
    this.#setTimer = options.setTimer ?? ((fn, ms) => {
      const t = setTimeout(fn, ms);
      return () => clearTimeout(t);
    });
  }

  get state(): PausedFollowState | null {
    return this.#state;
  }

  /**
   * The request in flight, if any (none while waiting between requests): resolves with the seat
   * it took elsewhere, or null. After `stop` a seat is not handed to onSeated but only resolved
   * here, for the caller to use or leave.
   */
  get inFlight(): Promise<PausedSeat<T> | null> | null {
    return this.#inFlight;
  }

  /** Every store notice from the host. */
  notice(n: StoreNotice): void {
    if (this.#stopped || this.#done) return;
    // Store back at the host (still paused while it checks its epoch): it resumes in place or
    // retires with 'moved' within a moment. Asking now could only move a room that is fine.
    if (!n.paused || n.store === 'ok') return this.#cancel();
    if (this.#state || n.unsavedMs === null) return; // already counting; a stateful room never pauses
    this.#state = { pausedAt: this.#now(), unsavedMs: n.unsavedMs, attempts: 0, lastAnswer: null, nextAt: this.#now() + PAUSED_FOLLOW.afterMs };
    this.#changed();
    this.#cancelTimer = this.#setTimer(() => {
      this.#cancelTimer = null;
      if (this.#state && !this.#stopped) void this.#follow(this.#state);
    }, PAUSED_FOLLOW.afterMs);
  }

  /** The paused connection ended (or the player left): no new request goes out. */
  stop(): void {
    this.#stopped = true;
    this.#cancelTimer?.();
    this.#cancelTimer = null;
  }

  #cancel(): void {
    this.#cancelTimer?.();
    this.#cancelTimer = null;
    if (!this.#state) return;
    this.#state = null;
    this.#changed();
  }

  async #follow(state: PausedFollowState): Promise<void> {
    const live = () => this.#state === state && !this.#stopped;
    const once = async () => {
      const result = await this.options.ask();
      const copy = this.options.copy();
      if (copy && result.nodeId === copy.nodeId && result.epoch === copy.epoch) throw new SameCopyAnswer(result);
      return { result, value: await this.options.take(result) };
    };
    const outcome = await followRoom(() => {
      const attempt = once();
      const inFlight = attempt.then((got) => ({ ...got, state: { ...state } }), () => null);
      this.#inFlight = inFlight;
      void inFlight.then(() => {
        if (this.#inFlight === inFlight) this.#inFlight = null;
      });
      return attempt;
    }, {
      deadlineMs: Number.POSITIVE_INFINITY, retryMs: PAUSED_FOLLOW.retryMs, backoff: PAUSED_FOLLOW.backoff, maxRetryMs: PAUSED_FOLLOW.maxRetryMs,
      nextDelayMs: (err, backedOff) => (pausedAnswer(err) === 'restoring' ? REJOIN_RETRY_MS : backedOff),
      cancelled: () => !live(),
      now: this.#now,
      ...(this.options.sleep ? { sleep: this.options.sleep } : {}),
      onAttempt: (n) => {
        if (!live()) return;
        state.attempts = n;
        state.nextAt = null;
        this.#changed();
      },
      onRetry: (_n, err, delayMs) => {
        if (!live()) return;
        state.lastAnswer = pausedAnswer(err);
        state.nextAt = this.#now() + delayMs;
        this.#changed();
      },
    });
    if (!outcome.ok) {
      // Refused (e.g. the room is gone): stay on the paused copy, which resumes or retires by itself.
      if (outcome.why !== 'cancelled' && live()) {
        state.lastAnswer = 'failed';
        state.nextAt = null;
        this.#changed();
      }
      return;
    }
    this.#done = true;
    this.#cancelTimer?.();
    if (!this.#stopped) this.options.onSeated({ ...outcome.value, state: { ...state, attempts: outcome.attempts } });
  }

  #changed(): void {
    this.options.onChange?.(this.#state && { ...this.#state });
  }
}
