import { randomUUID } from 'node:crypto';
import { CLAIM_MS, CLAIM_PREFIX, QUOTA_TTL_MS, ROOM_PREFIX, type RoomQuotaStore } from './room-quota';

/** In-memory twin of the Redis room quota (one-process mode, tests). Lapsed players are purged, as Redis expires their keys. */
export class MemoryRoomQuotaStore implements RoomQuotaStore {
  readonly #players = new Map<string, { members: Map<string, number>; until: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  async claim(playerId: string, max: number, live: (roomIds: string[]) => Promise<Set<string>>): Promise<string | null> {
    this.#purge();
    const entry = this.#players.get(playerId) ?? { members: new Map<string, number>(), until: 0 };
    const rooms = [...entry.members.keys()].filter((m) => m.startsWith(ROOM_PREFIX)).map((m) => m.slice(ROOM_PREFIX.length));
    const alive = rooms.length > 0 ? await live(rooms) : new Set<string>();
    const now = this.now();
    for (const [member, at] of entry.members) {
      const dead = member.startsWith(ROOM_PREFIX) ? !alive.has(member.slice(ROOM_PREFIX.length)) : at + CLAIM_MS <= now;
      if (dead) entry.members.delete(member);
    }
    if (entry.members.size >= max) return null;
    const claim = randomUUID();
    entry.members.set(CLAIM_PREFIX + claim, now);
    entry.until = now + QUOTA_TTL_MS;
    this.#players.set(playerId, entry);
    return claim;
  }

  async settle(playerId: string, claim: string, roomId: string | null): Promise<void> {
    const entry = this.#players.get(playerId);
    if (!entry) return;
    entry.members.delete(CLAIM_PREFIX + claim);
    if (roomId) {
      entry.members.set(ROOM_PREFIX + roomId, this.now());
      entry.until = this.now() + QUOTA_TTL_MS;
    }
  }

  /** Players tracked right now (for tests). */
  get size(): number {
    this.#purge();
    return this.#players.size;
  }

  #purge(): void {
    const now = this.now();
    for (const [id, entry] of this.#players) if (entry.until <= now) this.#players.delete(id);
  }
}
