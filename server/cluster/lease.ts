import { HEARTBEAT_TTL_MS } from './liveness';

/**
 * A node fences itself this long after sending its last acknowledged
 * heartbeat. The store set that key with a TTL of {@link HEARTBEAT_TTL_MS}
 * (1.2 s) no earlier than it was sent, so no peer can see it lapse, and
 * restore our rooms, before 1.2 s: the 200 ms margin covers the step the
 * check waits for (50 ms) and clock-rate drift between hosts. It is not
 * shorter because a slow store must not fence anyone: at 300 ms each way a
 * renewal is acknowledged 600 ms after it is sent, and beats go every 200 ms,
 * so a healthy lease is up to 800 ms old.
 */
export const SELF_FENCE_MS = 1000;
if (SELF_FENCE_MS >= HEARTBEAT_TTL_MS) throw new Error('SELF_FENCE_MS must be shorter than HEARTBEAT_TTL_MS, or a peer may restore a room that still plays');

/**
 * A game node's hold on its checkpointed rooms. Every heartbeat the store
 * acknowledged renews it, measured on this process's monotonic clock from when
 * the write was sent (so never later than the store started the key's TTL).
 * While it is held no peer can have restored one of our rooms; once it lapses
 * one might, so our copies stop playing until a fenced write proves they still
 * hold their epoch. The node cannot tell a store outage from its own partition
 * from the store, so both end the same way: paused, then resumed or retired.
 */
export class StoreLease {
  #renewedAt: number;

  /** `held` starts true: a node only boots once its first heartbeat was acknowledged. */
  constructor(private readonly fenceAfterMs = SELF_FENCE_MS, now = performance.now()) {
    this.#renewedAt = now;
  }

  /** A heartbeat sent at `sentAt` (performance.now()) was acknowledged. */
  renewed(sentAt: number): void {
    if (sentAt > this.#renewedAt) this.#renewedAt = sentAt;
  }

  /** Milliseconds since the newest acknowledged heartbeat was sent. */
  get ageMs(): number {
    return performance.now() - this.#renewedAt;
  }

  get held(): boolean {
    return this.ageMs < this.fenceAfterMs;
  }
}

/** The lease of a process with no store and no peers (one-process mode): always held. */
export const ALWAYS_HELD: Pick<StoreLease, 'held' | 'ageMs'> = { held: true, ageMs: 0 };

