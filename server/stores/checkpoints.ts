/** Who hosts a checkpointed room now, and under which fencing epoch. */
export interface RoomHost {
  roomId: string;
  epoch: number;
  nodeId: string;
  /** Colyseus process id of the host (for liveness checks). */
  processId: string;
}

/** One snapshot of a checkpointed room. */
export interface Checkpoint extends RoomHost {
  tick: number;
  /** Epoch ms when it was taken. */
  savedAt: number;
  /** The room's synced state, schema-encoded (`Encoder.encodeAll`). */
  state: Uint8Array;
  /** What the synced state does not hold (RNG state, player identities...), as JSON. */
  meta: string;
}

/**
 * Where checkpointed rooms keep their snapshots. Every write is fenced: a
 * room's epoch grows by one each time a new host claims it, and a save under
 * any other epoch is refused atomically, so a stale host (frozen, then thawed
 * after its room moved) can never overwrite the live copy.
 */
export interface CheckpointStore {
  /** Makes `host` the room's host under a new epoch, which it returns. */
  claim(roomId: string, host: { nodeId: string; processId: string }): Promise<number>;
  /**
   * Claims a room the store has no record of at all (it lost its data: a restart
   * without persistence) under `lastEpoch + 1`, so the copy that held it carries
   * on and any older copy stays fenced off. Null, and nothing written, when the
   * store knows the room: then the fence decides, as for any save.
   */
  reclaim(roomId: string, host: { nodeId: string; processId: string }, lastEpoch: number): Promise<number | null>;
  /** Saves a snapshot; false (and nothing written) unless `checkpoint.epoch` is the room's current epoch. */
  save(checkpoint: Checkpoint): Promise<boolean>;
  /** The newest snapshot, or null when there is none. */
  load(roomId: string): Promise<Checkpoint | null>;
  /** The room's current host and epoch, or null when the room is unknown. */
  host(roomId: string): Promise<RoomHost | null>;
  /** Every checkpointed room and its host. */
  list(): Promise<RoomHost[]>;
  /** Forgets a room that ended, if `epoch` is still current (a stale host cannot erase a moved room). */
  remove(roomId: string, epoch: number): Promise<void>;
  /** A restore lease: true for exactly one caller until it lapses after `ttlMs` or is released. */
  lease(roomId: string, owner: string, ttlMs: number): Promise<boolean>;
  release(roomId: string, owner: string): Promise<void>;
  /**
   * Whether someone holds the room's restore lease: a restore is under way (its holder releases
   * it once the new copy is created and listed, and can take seats).
   */
  restoring(roomId: string): Promise<boolean>;
}

/** Snapshots of a room nobody saves any more are dropped after this long. */
export const CHECKPOINT_TTL_MS = 10 * 60_000;
