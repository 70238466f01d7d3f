import type { Checkpoint, CheckpointStore, RoomHost } from './checkpoints';

/** In-memory twin of the Redis checkpoint store (one-process mode, tests). */
export class MemoryCheckpointStore implements CheckpointStore {
  readonly #rooms = new Map<string, RoomHost & Partial<Checkpoint>>();
  readonly #leases = new Map<string, { owner: string; until: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  async claim(roomId: string, host: { nodeId: string; processId: string }): Promise<number> {
    const room = this.#rooms.get(roomId);
    const epoch = (room?.epoch ?? 0) + 1;
    this.#rooms.set(roomId, { ...room, roomId, epoch, ...host });
    return epoch;
  }

  async reclaim(roomId: string, host: { nodeId: string; processId: string }, lastEpoch: number): Promise<number | null> {
    if (this.#rooms.has(roomId)) return null;
    this.#rooms.set(roomId, { roomId, epoch: lastEpoch + 1, ...host });
    return lastEpoch + 1;
  }

  async save(cp: Checkpoint): Promise<boolean> {
    const room = this.#rooms.get(cp.roomId);
    if (!room || room.epoch !== cp.epoch) return false;
    Object.assign(room, { tick: cp.tick, savedAt: cp.savedAt, state: Uint8Array.from(cp.state), meta: cp.meta });
    return true;
  }

  async load(roomId: string): Promise<Checkpoint | null> {
    const room = this.#rooms.get(roomId);
    if (!room || room.state === undefined || room.tick === undefined || room.savedAt === undefined || room.meta === undefined) return null;
    return { ...room, state: Uint8Array.from(room.state), tick: room.tick, savedAt: room.savedAt, meta: room.meta };
  }

  async host(roomId: string): Promise<RoomHost | null> {
    const room = this.#rooms.get(roomId);
    return room ? { roomId, epoch: room.epoch, nodeId: room.nodeId, processId: room.processId } : null;
  }

  async list(): Promise<RoomHost[]> {
    return [...this.#rooms.values()].map(({ roomId, epoch, nodeId, processId }) => ({ roomId, epoch, nodeId, processId }));
  }

  async remove(roomId: string, epoch: number): Promise<void> {
    if (this.#rooms.get(roomId)?.epoch === epoch) this.#rooms.delete(roomId);
  }

  async lease(roomId: string, owner: string, ttlMs: number): Promise<boolean> {
    // Lapsed leases are purged here, as Redis expires them (PX).
    for (const [id, lease] of this.#leases) if (lease.until <= this.now()) this.#leases.delete(id);
    const held = this.#leases.get(roomId);
    if (held && held.until > this.now()) return false;
    this.#leases.set(roomId, { owner, until: this.now() + ttlMs });
    return true;
  }

  async release(roomId: string, owner: string): Promise<void> {
    if (this.#leases.get(roomId)?.owner === owner) this.#leases.delete(roomId);
  }

  async restoring(roomId: string): Promise<boolean> {
    return (this.#leases.get(roomId)?.until ?? 0) > this.now();
  }
}
