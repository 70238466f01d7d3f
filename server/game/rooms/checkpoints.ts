import { ServerError, matchMaker } from '@colyseus/core';
import type { ArenaState } from '../../../shared/schema';
import type { Rng } from '../../../shared/rules/rng';
import type { CheckpointStore } from '../../stores';
import type { ArenaContext } from '../context';
import { decodeState, restoreInto, type SnapshotMeta } from './snapshot';

export interface RestoredFrom {
  nodeId: string;
  tick: number;
  savedAt: number;
}

interface CheckpointedRoom {
  roomId: string;
  maxClients: number;
  state: ArenaState;
  rng: Rng;
  /** The synced state, schema-encoded (see ArenaRoom.encodeSnapshot). */
  encodeSnapshot(): Uint8Array;
}

/**
 * The checkpointed half of an arena room: claims the room under a new fencing
 * epoch, restores it from the newest snapshot when it moved, and saves
 * snapshots. A save refused by the fence means another node now hosts the
 * room: `onFenced` must retire this copy.
 */
export class RoomCheckpoints {
  epoch = 0;
  fenced = false;
  restoredFrom: RestoredFrom | null = null;
  #inFlight: Promise<boolean> | null = null;

  constructor(
    private readonly room: CheckpointedRoom,
    private readonly store: CheckpointStore,
    private readonly ctx: ArenaContext,
    private readonly onFenced: () => void,
  ) {}

  /** Restores `restoreId` (if given) into the room, claims it, and writes the first snapshot of the new epoch. */
  async start(restoreId?: string): Promise<void> {
    const t0 = performance.now();
    if (restoreId) {
      const saved = await this.store.load(restoreId);
      if (!saved) throw new ServerError(410, `room/lost: room ${restoreId} has no checkpoint to restore from.`);
      this.room.roomId = restoreId;
      restoreInto(this.room.state, decodeState(saved.state));
      const meta = JSON.parse(saved.meta) as SnapshotMeta;
      this.room.rng.state = meta.rng >>> 0;
      if (meta.maxPlayers) this.room.maxClients = meta.maxPlayers;
      this.restoredFrom = { nodeId: saved.nodeId, tick: saved.tick, savedAt: saved.savedAt };
    }
    this.epoch = await this.store.claim(this.room.roomId, { nodeId: this.ctx.nodeId, processId: matchMaker.processId });
    await this.save();
    if (this.restoredFrom) {
      this.ctx.checkpointMetrics?.restored(performance.now() - t0);
      this.ctx.log.info({ roomId: this.room.roomId, epoch: this.epoch, from: this.restoredFrom }, 'room restored from checkpoint');
    }
  }

  /** Writes a snapshot now (one at a time: a save already running is awaited instead). */
  save(): Promise<boolean> {
    if (this.fenced) return Promise.resolve(false);
    this.#inFlight ??= this.#write().finally(() => {
      this.#inFlight = null;
    });
    return this.#inFlight;
  }

  async #write(): Promise<boolean> {
    const t0 = performance.now();
    const state = this.room.encodeSnapshot();
    const meta: SnapshotMeta = { rng: this.room.rng.state, mode: 'checkpointed', maxPlayers: this.room.maxClients };
    const ok = await this.store.save({
      roomId: this.room.roomId, epoch: this.epoch, nodeId: this.ctx.nodeId, processId: matchMaker.processId,
      tick: this.room.state.tick, savedAt: Date.now(), state, meta: JSON.stringify(meta),
    });
    if (ok) {
      this.ctx.checkpointMetrics?.saved(state.byteLength, performance.now() - t0);
      return true;
    }
    this.fenced = true;
    this.ctx.checkpointMetrics?.refused();
    this.ctx.log.warn({ roomId: this.room.roomId, epoch: this.epoch }, 'checkpoint refused: this copy is stale, the room lives elsewhere now');
    this.onFenced();
    return false;
  }

  /** The room ended for good: forget its checkpoints (only if this copy is still the current one). */
  async forget(): Promise<void> {
    if (!this.fenced) await this.store.remove(this.room.roomId, this.epoch);
  }
}
