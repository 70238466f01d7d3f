import type { Redis } from 'ioredis';
import { KEY_PREFIX } from '../common/redis';
import { CHECKPOINT_TTL_MS, type Checkpoint, type CheckpointStore, type RoomHost } from './checkpoints';

const ROOMS = `${KEY_PREFIX}ckpt:rooms`;
/** The hash holding a room's fencing epoch and newest snapshot (the leaderboard's recording script reads its epoch). */
export const checkpointKey = (roomId: string): string => `${KEY_PREFIX}ckpt:${roomId}`;
const roomKey = checkpointKey;
const leaseKey = (roomId: string): string => `${KEY_PREFIX}ckpt-lease:${roomId}`;

// KEYS: room hash, rooms set. ARGV: roomId, nodeId, processId, ttl.
const CLAIM = `
local epoch = redis.call('HINCRBY', KEYS[1], 'epoch', 1)
redis.call('HSET', KEYS[1], 'nodeId', ARGV[2], 'processId', ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
redis.call('SADD', KEYS[2], ARGV[1])
return epoch`;

// KEYS: room hash, rooms set. ARGV: roomId, nodeId, processId, ttl, lastEpoch. Only when the room is unknown.
const RECLAIM = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
local epoch = tonumber(ARGV[5]) + 1
redis.call('HSET', KEYS[1], 'epoch', epoch, 'nodeId', ARGV[2], 'processId', ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
redis.call('SADD', KEYS[2], ARGV[1])
return epoch`;

// KEYS: room hash. ARGV: epoch, tick, savedAt, state, meta, ttl.
// Refused unless the writer's epoch is the current one: a stale host's write changes nothing.
const SAVE = `
if tonumber(redis.call('HGET', KEYS[1], 'epoch') or '0') ~= tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'tick', ARGV[2], 'savedAt', ARGV[3], 'state', ARGV[4], 'meta', ARGV[5])
redis.call('PEXPIRE', KEYS[1], ARGV[6])
return 1`;

// KEYS: room hash, rooms set. ARGV: roomId, epoch.
const REMOVE = `
if tonumber(redis.call('HGET', KEYS[1], 'epoch') or '0') ~= tonumber(ARGV[2]) then return 0 end
redis.call('DEL', KEYS[1])
redis.call('SREM', KEYS[2], ARGV[1])
return 1`;

// KEYS: lease. ARGV: owner. Releases only the caller's own lease.
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

/** Checkpoints in Redis: one hash per room, fenced writes as Lua scripts. */
type Scripts = {
  scCkptClaim(...args: (string | number)[]): Promise<number>;
  scCkptReclaim(...args: (string | number)[]): Promise<number>;
  scCkptSave(...args: (string | number | Buffer)[]): Promise<number>;
  scCkptRemove(...args: (string | number)[]): Promise<number>;
  scCkptRelease(...args: string[]): Promise<number>;
};

export class RedisCheckpointStore implements CheckpointStore {
  private readonly redis: Redis & Scripts;

  constructor(redis: Redis) {
    // EVALSHA: the scripts are sent once per connection, not with every snapshot.
    redis.defineCommand('scCkptClaim', { numberOfKeys: 2, lua: CLAIM });
    redis.defineCommand('scCkptReclaim', { numberOfKeys: 2, lua: RECLAIM });
    redis.defineCommand('scCkptSave', { numberOfKeys: 1, lua: SAVE });
    redis.defineCommand('scCkptRemove', { numberOfKeys: 2, lua: REMOVE });
    redis.defineCommand('scCkptRelease', { numberOfKeys: 1, lua: RELEASE });
    this.redis = redis as Redis & Scripts;
  }

  async claim(roomId: string, host: { nodeId: string; processId: string }): Promise<number> {
    return Number(await this.redis.scCkptClaim(roomKey(roomId), ROOMS, roomId, host.nodeId, host.processId, CHECKPOINT_TTL_MS));
  }

  async reclaim(roomId: string, host: { nodeId: string; processId: string }, lastEpoch: number): Promise<number | null> {
    const epoch = Number(await this.redis.scCkptReclaim(roomKey(roomId), ROOMS, roomId, host.nodeId, host.processId, CHECKPOINT_TTL_MS, lastEpoch));
    return epoch > 0 ? epoch : null;
  }

  async save(cp: Checkpoint): Promise<boolean> {
    const ok = await this.redis.scCkptSave(roomKey(cp.roomId), cp.epoch, cp.tick, cp.savedAt, Buffer.from(cp.state.buffer, cp.state.byteOffset, cp.state.byteLength), cp.meta, CHECKPOINT_TTL_MS);
    return ok === 1;
  }

  async load(roomId: string): Promise<Checkpoint | null> {
    const [fields, state] = await Promise.all([
      this.redis.hmget(roomKey(roomId), 'epoch', 'nodeId', 'processId', 'tick', 'savedAt', 'meta'),
      this.redis.hgetBuffer(roomKey(roomId), 'state'),
    ]);
    const [epoch, nodeId, processId, tick, savedAt, meta] = fields;
    if (!epoch || !state || tick == null || meta == null) return null;
    return { roomId, epoch: Number(epoch), nodeId: nodeId ?? '', processId: processId ?? '', tick: Number(tick), savedAt: Number(savedAt), state, meta };
  }

  async host(roomId: string): Promise<RoomHost | null> {
    const [epoch, nodeId, processId] = await this.redis.hmget(roomKey(roomId), 'epoch', 'nodeId', 'processId');
    return epoch ? { roomId, epoch: Number(epoch), nodeId: nodeId ?? '', processId: processId ?? '' } : null;
  }

  async list(): Promise<RoomHost[]> {
    const ids = await this.redis.smembers(ROOMS);
    const hosts = await Promise.all(ids.map((id) => this.host(id)));
    const gone = ids.filter((_, i) => hosts[i] === null);
    if (gone.length > 0) await this.redis.srem(ROOMS, ...gone);
    return hosts.filter((h): h is RoomHost => h !== null);
  }

  async remove(roomId: string, epoch: number): Promise<void> {
    await this.redis.scCkptRemove(roomKey(roomId), ROOMS, roomId, epoch);
  }

  async lease(roomId: string, owner: string, ttlMs: number): Promise<boolean> {
    return (await this.redis.set(leaseKey(roomId), owner, 'PX', ttlMs, 'NX')) === 'OK';
  }

  async release(roomId: string, owner: string): Promise<void> {
    await this.redis.scCkptRelease(leaseKey(roomId), owner);
  }

  async restoring(roomId: string): Promise<boolean> {
    return (await this.redis.exists(leaseKey(roomId))) === 1;
  }
}
