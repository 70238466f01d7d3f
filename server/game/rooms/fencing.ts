import { ServerError, matchMaker, type Room } from '@colyseus/core';
import { CloseCodes, type MovedNotice } from '../../../shared/protocol';
import { ErrorCodes } from '../../../shared/errors';
import type { ArenaState } from '../../../shared/schema';
import type { Rng } from '../../../shared/rules/rng';
import { RESTORE_LEASE_MS } from '../../cluster/failover';
import type { CheckpointStore } from '../../stores';
import type { ArenaContext } from '../context';
import { encodeFullState, releaseSeatsAndDisposeSoon } from './colyseus-internals';
import { decodeState, restoreInto, type SnapshotMeta } from './snapshot';

/** A gap this long between two frames of the loop means this process was frozen: prove the copy is current before playing on. */
export const FROZEN_GAP_MS = 1000;

export interface RestoredFrom {
  nodeId: string;
  tick: number;
  savedAt: number;
}

/** What the copy needs of its room (an `ArenaRoom`). */
export interface FencedRoom extends Room<{ state: ArenaState }> {
  rng: Rng;
}

/**
 * Where a copy of a checkpointed room stands:
 * - `live`: it holds the current epoch as far as it knows, and plays;
 * - `store-lost`: paused: its node's store lease lapsed (the store is down, or
 *   this node is cut off from it), so a peer may soon restore the room;
 * - `checking`: paused until a fenced write proves it still holds the epoch
 *   (after this process was frozen, or once the store answers again);
 * - `handing-off`: draining, its final snapshot written or on the way;
 * - `retired`: another copy holds the room now; this one is going away.
 */
export type CopyStatus = 'live' | 'store-lost' | 'checking' | 'handing-off' | 'retired';

/**
 * One copy of a checkpointed room, and everything that decides whether it may
 * play: the fencing epoch it claimed, the snapshots it writes, self-fencing
 * when its node's store lease lapses, the check after a freeze, the drain
 * hand-off and the retirement of a stale copy. The room asks {@link canPlay}
 * before every step and tells the copy about each frame, matches ending and
 * the room disposing; nothing else in the room knows about epochs.
 *
 * Self-fencing: the node's lease ({@link StoreLease}) lapses 1 s after it sent its
 * last acknowledged heartbeat, before any peer may call it dead (1.2 s). The
 * copy then stops playing. When the lease is renewed (the store answers
 * again) a fenced write decides: still our epoch, so play resumes in place
 * and nothing is lost; or another copy was restored meanwhile, so this one
 * retires and its players follow the room there.
 *
 * Every write is fenced in the store (a save under an old epoch is refused),
 * so at most one copy's snapshots survive; a copy whose write is refused
 * retires at once: it sends its players to the live copy (`moved`, close
 * 4100) and disposes without touching the checkpoint.
 */
export class CheckpointedCopy {
  #status: CopyStatus = 'live';
  /** When this copy began accepting inputs without a break (null while it does not). */
  #playingSince: { tick: number; at: number } | null = null;
  #pausedForStore = false;
  epoch = 0;
  restoredFrom: RestoredFrom | null = null;
  /** performance.now() of the newest acknowledged snapshot. */
  savedAt = performance.now();
  /** performance.now() when this copy last stopped playing because of the store (null while it plays). */
  pausedAt: number | null = null;
  #inFlight: Promise<boolean> | null = null;

  private constructor(
    private readonly room: FencedRoom,
    private readonly store: CheckpointStore,
    private readonly ctx: ArenaContext,
  ) {}

  /**
   * Opens a copy in a room being created: restores `restoreId` from its newest
   * checkpoint (if given), claims the room under a new epoch, writes the first
   * snapshot of that epoch and starts snapshotting every `checkpointMs`.
   */
  static async open(room: FencedRoom, store: CheckpointStore, ctx: ArenaContext, restoreId?: string): Promise<CheckpointedCopy> {
    const copy = new CheckpointedCopy(room, store, ctx);
    const t0 = performance.now();
    if (restoreId) await copy.#restore(restoreId);
    copy.epoch = await store.claim(room.roomId, { nodeId: ctx.nodeId, processId: matchMaker.processId });
    await copy.save();
    copy.#playingSince = { tick: room.state.tick + 1, at: Date.now() };
    if (copy.restoredFrom) {
      ctx.checkpointMetrics?.restored(performance.now() - t0);
      ctx.log.info({ roomId: room.roomId, epoch: copy.epoch, from: copy.restoredFrom }, 'room restored from checkpoint');
    }
    room.clock.setInterval(() => {
      if (copy.status !== 'live') return; // a paused copy has nothing new to save, and may not be current
      // A write still in flight (a slow store: up to its 1 s timeout) is not joined: each tick that
      // joined it logged its failure once more, four lines for one failed write.
      if (copy.#inFlight) return;
      copy.save().catch((err: unknown) => ctx.log.warn({ err, roomId: room.roomId }, 'checkpoint failed'));
    }, ctx.checkpointMs);
    return copy;
  }

  get status(): CopyStatus {
    return this.#status;
  }

  /**
   * Every change of status passes here, so each stretch of play is recorded:
   * `{roomId, epoch, nodeId, firstTick, lastTick, from, to}` (wall-clock ms), one
   * log line per stretch. The experiments' history checker collects them from
   * every node and proves that no two copies of a room accepted inputs at once.
   */
  #to(status: CopyStatus): void {
    const was = this.#status;
    this.#status = status;
    if (was !== 'live' && status === 'live') this.#playingSince = { tick: this.room.state.tick + 1, at: Date.now() };
    if (was === 'live' && status !== 'live') this.#recordPlay();
  }

  #recordPlay(): void {
    const since = this.#playingSince;
    this.#playingSince = null;
    if (!since || this.room.state.tick < since.tick) return;
    this.ctx.log.info({
      history: 'copy-played', roomId: this.room.roomId, epoch: this.epoch, nodeId: this.ctx.nodeId,
      firstTick: since.tick, lastTick: this.room.state.tick, from: since.at, to: Date.now(),
    }, 'copy accepted inputs');
  }

  /** Whether the room may apply inputs and advance this step. */
  get canPlay(): boolean {
    return this.status === 'live';
  }

  /** Milliseconds since the newest acknowledged snapshot. */
  get unsavedMs(): number {
    return performance.now() - this.savedAt;
  }

  /**
   * Called at the start of every frame of the room's loop, before any step:
   * the only place a live copy stops or resumes playing.
   */
  frame(gapMs: number): void {
    const { lease } = this.ctx;
    if (!this.ctx.fencing) {
      // The lab's FENCING=off: play on, whatever the store says (switched off mid-pause: at once).
      if (this.status === 'store-lost' || this.status === 'checking') this.#resumeUnfenced();
      return;
    }
    if (this.status === 'live') {
      if (!lease.held) return this.#storeLost();
      // This process was frozen: a peer may have restored the room meanwhile.
      if (gapMs > FROZEN_GAP_MS) this.#check('checking');
    } else if (this.status === 'store-lost' && lease.held) {
      this.#check('store-lost');
    }
  }

  /** A match just ended: snapshot the final standings at once. */
  matchEnded(): void {
    this.save().catch((err: unknown) => this.ctx.log.warn({ err, roomId: this.room.roomId }, 'checkpoint at match end failed'));
  }

  /**
   * Writes a snapshot now (one at a time: a save already running is awaited
   * instead). False when the fence refused it: this copy is stale and retires.
   */
  save(): Promise<boolean> {
    if (this.status === 'retired') return Promise.resolve(false);
    this.#inFlight ??= this.#write().finally(() => {
      this.#inFlight = null;
    });
    return this.#inFlight;
  }

  /**
   * Zero-loss hand-off (drain): stop playing, write a final snapshot, send the
   * players to the room's next home, then restore it there. (Not `lock()`: its
   * listing update may land after the new copy's listing and lock that one.)
   */
  async handOff(): Promise<void> {
    if (this.status === 'handing-off' || this.status === 'retired') return;
    this.#to('handing-off');
    // A refused final write means this copy is already stale: it retired itself, nothing to hand over.
    if (!(await this.save())) return;
    // Held like a restorer's: the players sent along below ask for the room before the new copy
    // exists, and the API answers them once the lease is let go (failover.ts ensureRoomHosted),
    // not while this live node is still the host on record, nor before the new copy takes seats.
    const { roomId } = this.room;
    const owner = `drain:${this.ctx.nodeId}`;
    const leased = await this.store.lease(roomId, owner, RESTORE_LEASE_MS).catch(() => false);
    try {
      await this.#leave('drain'); // frees the room id for the new copy
      await this.ctx.createElsewhere({ mode: 'checkpointed', restore: roomId });
    } finally {
      if (leased) await this.store.release(roomId, owner).catch(() => {}); // else it lapses
    }
  }

  /** This copy takes no more seats: it is going away. */
  get leaving(): boolean {
    return this.status === 'handing-off' || this.status === 'retired';
  }

  /**
   * The room is disposing. Only a room nobody can come back to (no player left,
   * not even one within their rejoin grace) forgets its checkpoint; any other
   * (a plain stop, a crash of the process around it) stays restorable. A
   * stale or handed-off copy never touches it: the room lives elsewhere.
   */
  async disposed(): Promise<void> {
    if (this.#status === 'live') this.#recordPlay();
    if (this.leaving) return;
    if (this.room.state.players.size === 0) await this.store.remove(this.room.roomId, this.epoch);
  }

  /** Paused because the store was unreachable (and not yet playing again). */
  get pausedForStore(): boolean {
    return this.#pausedForStore;
  }

  #storeLost(): void {
    this.#pausedForStore = true;
    this.#to('store-lost');
    this.pausedAt = performance.now();
    this.ctx.log.warn({ roomId: this.room.roomId, epoch: this.epoch, leaseAgeMs: Math.round(this.ctx.lease.ageMs) },
      'store lease lapsed: this checkpointed room is paused until a fenced write proves it is still the live copy');
  }

  #resumeUnfenced(): void {
    this.ctx.log.warn({ roomId: this.room.roomId, epoch: this.epoch }, 'fencing is off: a paused copy plays on unproven');
    this.#to('live');
    this.pausedAt = null;
    this.#pausedForStore = false;
  }

  /** Paused until a fenced write proves this copy current; back to `onFailure` if the store fails again. */
  #check(onFailure: 'checking' | 'store-lost'): void {
    this.#to('checking');
    this.pausedAt ??= performance.now();
    this.save().then(
      (current) => {
        if (!current || this.status !== 'checking') return;
        this.ctx.log.info({ roomId: this.room.roomId, epoch: this.epoch, pausedMs: Math.round(performance.now() - this.pausedAt!) }, 'fence check passed: playing on');
        this.#to('live');
        this.pausedAt = null;
        this.#pausedForStore = false;
      },
      (err: unknown) => {
        if (this.status !== 'checking') return;
        this.#to(onFailure === 'store-lost' || !this.ctx.lease.held ? 'store-lost' : 'checking');
        this.ctx.log.warn({ err, roomId: this.room.roomId }, 'fence check failed: still paused');
        if (this.status === 'checking') this.#check('checking');
      },
    );
  }

  async #restore(roomId: string): Promise<void> {
    const saved = await this.store.load(roomId);
    if (!saved) throw new ServerError(410, `${ErrorCodes.roomLost}: room ${roomId} has no checkpoint to restore from.`);
    this.room.roomId = roomId;
    restoreInto(this.room.state, decodeState(saved.state));
    const meta = JSON.parse(saved.meta) as SnapshotMeta;
    this.room.rng.state = meta.rng >>> 0;
    if (meta.maxPlayers) this.room.maxClients = meta.maxPlayers;
    this.restoredFrom = { nodeId: saved.nodeId, tick: saved.tick, savedAt: saved.savedAt };
  }

  async #write(): Promise<boolean> {
    const t0 = performance.now();
    const { room, ctx } = this;
    const state = encodeFullState(room);
    const meta: SnapshotMeta = { rng: room.rng.state, mode: 'checkpointed', maxPlayers: room.maxClients };
    const ok = await this.store.save({
      roomId: room.roomId, epoch: this.epoch, nodeId: ctx.nodeId, processId: matchMaker.processId,
      tick: room.state.tick, savedAt: Date.now(), state, meta: JSON.stringify(meta),
    });
    if (ok) {
      this.savedAt = t0;
      ctx.checkpointMetrics?.saved(state.byteLength, performance.now() - t0);
      return true;
    }
    // The store may have lost the room altogether (restarted without its data): then this copy is the only one.
    const reclaimed = await this.store.reclaim(room.roomId, { nodeId: ctx.nodeId, processId: matchMaker.processId }, this.epoch);
    if (reclaimed !== null) {
      ctx.log.warn({ roomId: room.roomId, epoch: reclaimed }, 'the store had forgotten this room (lost its data): reclaimed under the next epoch');
      this.epoch = reclaimed;
      return this.#write();
    }
    ctx.checkpointMetrics?.refused();
    ctx.log.warn({ roomId: room.roomId, epoch: this.epoch }, 'checkpoint refused: this copy is stale, the room lives elsewhere now');
    this.#leave('stale-copy').catch((err: unknown) => ctx.log.warn({ err, roomId: room.roomId }, 'stale copy could not retire cleanly'));
    return false;
  }

  /** Sends every player to the room's next home and disposes this copy at once. */
  async #leave(reason: MovedNotice['reason']): Promise<void> {
    if (reason === 'stale-copy') this.#to('retired');
    releaseSeatsAndDisposeSoon(this.room);
    this.room.broadcast('moved', { roomId: this.room.roomId, reason } satisfies MovedNotice);
    await this.room.disconnect(CloseCodes.moved);
  }
}
