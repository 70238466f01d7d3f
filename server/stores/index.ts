import type { Redis } from 'ioredis';
import { MemoryLeaderboardStore } from './leaderboard-memory';
import { RedisLeaderboardStore, watchLeaderboardChanges } from './leaderboard-redis';
import { CachedLeaderboardReads } from './leaderboard-cache';
import { MemoryNodeRegistry } from './registry-memory';
import { RedisNodeRegistry } from './registry-redis';
import { MemorySessionStore } from './sessions-memory';
import { RedisSessionStore } from './sessions-redis';
import type { LeaderboardStore } from './leaderboard';
import type { NodeRegistry, RegistryOptions } from './registry';
import type { SessionStore } from './sessions';
import { MemoryCheckpointStore } from './checkpoints-memory';
import { RedisCheckpointStore } from './checkpoints-redis';
import type { CheckpointStore } from './checkpoints';
import { MemoryRoomQuotaStore } from './room-quota-memory';
import { RedisRoomQuotaStore } from './room-quota-redis';
import type { RoomQuotaStore } from './room-quota';

export type { LeaderboardStore, LeaderboardSlice, ResultsSink, ResultFence } from './leaderboard';
export { StaleResultError } from './leaderboard';
export type { NodeRegistry, NodeHeartbeat, ApiHeartbeat, RegistryOptions } from './registry';
export type { SessionStore, RefreshGrant, Rotation } from './sessions';
export type { CheckpointStore, Checkpoint, RoomHost } from './checkpoints';
export type { RoomQuotaStore } from './room-quota';

/** Live rooms per player in Redis, or in memory when `redis` is null (one-process mode). */
export function createRoomQuotaStore(redis: Redis | null): RoomQuotaStore {
  return redis ? new RedisRoomQuotaStore(redis) : new MemoryRoomQuotaStore();
}

/** Room checkpoints in Redis, or in memory when `redis` is null (one-process mode). */
export function createCheckpointStore(redis: Redis | null): CheckpointStore {
  return redis ? new RedisCheckpointStore(redis) : new MemoryCheckpointStore();
}

/** Every store the API needs. */
export interface Stores {
  leaderboards: LeaderboardStore;
  sessions: SessionStore;
  registry: NodeRegistry;
}

/** Leaderboards in Redis, or in memory when `redis` is null (one-process mode). */
export function createLeaderboardStore(redis: Redis | null): LeaderboardStore {
  return redis ? new RedisLeaderboardStore(redis) : new MemoryLeaderboardStore();
}

export function createNodeRegistry(redis: Redis | null, options?: RegistryOptions): NodeRegistry {
  return redis ? new RedisNodeRegistry(redis, options) : new MemoryNodeRegistry(options);
}

export function createSessionStore(redis: Redis | null, ttlSeconds?: number): SessionStore {
  return redis ? new RedisSessionStore(redis, ttlSeconds) : new MemorySessionStore(ttlSeconds);
}

export function createStores(redis: Redis | null, refreshTtlSeconds?: number): Stores {
  return {
    leaderboards: createLeaderboardStore(redis),
    sessions: createSessionStore(redis, refreshTtlSeconds),
    registry: createNodeRegistry(redis),
  };
}

/**
 * The stores of an API instance over Redis: like {@link createStores}, with
 * board pages cached until a recorded match (announced by Redis) changes them.
 * `close()` ends the change feed.
 */
export function createApiStores(redis: Redis, refreshTtlSeconds?: number): { stores: Stores; close(): void } {
  const stores = createStores(redis, refreshTtlSeconds);
  const leaderboards = new CachedLeaderboardReads(stores.leaderboards);
  const close = watchLeaderboardChanges(redis, () => leaderboards.invalidate());
  return { stores: { ...stores, leaderboards }, close };
}
