import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { KEY_PREFIX } from '../common/redis';
import { CLAIM_MS, CLAIM_PREFIX, QUOTA_TTL_MS, ROOM_PREFIX, type RoomQuotaStore } from './room-quota';

// One sorted set per player: members `c:<claim>` and `r:<roomId>`, scored by when they were added.
// KEYS: the player's set. ARGV: max, now, claim member, key TTL ms, then the members to drop.
const CLAIM = `
for i = 5, #ARGV do redis.call('ZREM', KEYS[1], ARGV[i]) end
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return 1`;

interface Scripts {
  scQuotaClaim(key: string, ...args: (string | number)[]): Promise<number>;
}

const key = (playerId: string): string => `${KEY_PREFIX}rq:${playerId}`;

/** Room quotas in Redis: the check and the claim are one script, so concurrent requests cannot both take the last slot. */
export class RedisRoomQuotaStore implements RoomQuotaStore {
  readonly #scripts: Scripts;

  constructor(private readonly redis: Redis, private readonly now: () => number = Date.now) {
    redis.defineCommand('scQuotaClaim', { numberOfKeys: 1, lua: CLAIM });
    this.#scripts = redis as unknown as Scripts;
  }

  async claim(playerId: string, max: number, live: (roomIds: string[]) => Promise<Set<string>>): Promise<string | null> {
    const now = this.now();
    const rows = await this.redis.zrange(key(playerId), 0, -1, 'WITHSCORES');
    const rooms: string[] = [];
    const drop: string[] = [];
    for (let i = 0; i < rows.length; i += 2) {
      const member = rows[i]!;
      if (member.startsWith(ROOM_PREFIX)) rooms.push(member.slice(ROOM_PREFIX.length));
      else if (Number(rows[i + 1]) + CLAIM_MS <= now) drop.push(member);
    }
    const alive = rooms.length > 0 ? await live(rooms) : new Set<string>();
    for (const room of rooms) if (!alive.has(room)) drop.push(ROOM_PREFIX + room);
    const claim = randomUUID();
    const ok = await this.#scripts.scQuotaClaim(key(playerId), max, now, CLAIM_PREFIX + claim, QUOTA_TTL_MS, ...drop);
    return ok === 1 ? claim : null;
  }

  async settle(playerId: string, claim: string, roomId: string | null): Promise<void> {
    const tx = this.redis.multi().zrem(key(playerId), CLAIM_PREFIX + claim);
    if (roomId) tx.zadd(key(playerId), this.now(), ROOM_PREFIX + roomId).pexpire(key(playerId), QUOTA_TTL_MS);
    await tx.exec();
  }
}
