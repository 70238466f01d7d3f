import { expect, it, onTestFinished } from 'vitest';
import type { Redis } from 'ioredis';
import { createRedis } from '../../../server/common/redis';
import { RedisLeaderboardStore } from '../../../server/stores/leaderboard-redis';
import { RedisNodeRegistry } from '../../../server/stores/registry-redis';
import { RedisSessionStore } from '../../../server/stores/sessions-redis';
import { usePrivateRedis } from '../../support/redis';
import { leaderboardContract } from '../../unit/stores/contracts/leaderboard.contract';
import { FORGET_AFTER_MS, TTL_MS, registryContract } from '../../unit/stores/contracts/registry.contract';
import { GRACE_MS, sessionContract } from '../../unit/stores/contracts/sessions.contract';
import { checkpointContract } from '../../unit/stores/contracts/checkpoints.contract';
import { RedisCheckpointStore } from '../../../server/stores/checkpoints-redis';
import { RedisRoomQuotaStore } from '../../../server/stores/room-quota-redis';
import { roomQuotaContract } from '../../unit/stores/contracts/room-quota.contract';

// The same contract suites as the in-memory twins, against a private redis-server.
const db = usePrivateRedis();

async function fresh(): Promise<Redis> {
  await db.redis.flushdb();
  return db.redis;
}

leaderboardContract('redis', async (clock) => {
  const redis = await fresh();
  return { store: new RedisLeaderboardStore(redis, () => clock.now), checkpoints: new RedisCheckpointStore(redis) };
});

roomQuotaContract('redis', async (clock) => new RedisRoomQuotaStore(await fresh(), () => clock.now));

registryContract('redis', async () => {
  const r = await fresh();
  let now = 1_000_000;
  return {
    registry: new RedisNodeRegistry(r, { ttlMs: TTL_MS, forgetAfterMs: FORGET_AFTER_MS, now: () => now }),
    // Lets time pass for Redis too: keys whose TTL would have run out are deleted, the others shortened.
    advance: async (ms) => {
      now += ms;
      for (const key of await r.keys('sc:reg:*-alive:*')) {
        const left = await r.pttl(key);
        if (left <= ms) await r.del(key);
        else await r.pexpire(key, left - ms);
      }
    },
  };
});

sessionContract('redis', async () => new RedisSessionStore(await fresh(), undefined, GRACE_MS));
checkpointContract('redis', async () => new RedisCheckpointStore(await fresh()));

it('stores refresh tokens hashed, with a TTL', async () => {
  const r = await fresh();
  const token = await new RedisSessionStore(r, 120).issue({ playerId: 'p', name: 'n' });
  const keys = await r.keys('sc:rt:*');
  expect(keys).toHaveLength(1);
  expect(keys[0]).not.toContain(token);
  // After a trade, the store holds the replacement only sealed under the old token.
  const rotated = await new RedisSessionStore(r, 120).rotate(token);
  const dump = JSON.stringify(await Promise.all((await r.keys('sc:rt*')).map(async (k) => [k, await r.get(k)])));
  expect(dump).not.toContain(token);
  expect(dump).not.toContain(rotated!.refreshToken);
  const live = await r.keys('sc:rt:*'); // the replacement, with the store's TTL
  expect(live).toHaveLength(1);
  const ttl = await r.ttl(live[0]!);
  expect(ttl).toBeGreaterThan(100);
  expect(ttl).toBeLessThanOrEqual(120);
  expect(await r.pttl((await r.keys('sc:rt-rotated:*'))[0]!)).toBeLessThanOrEqual(30_000);
});

it('lets a node heartbeat lapse in real time (PX TTL)', async () => {
  const registry = new RedisNodeRegistry(await fresh(), { ttlMs: 100 });
  await registry.heartbeat({ id: 'n', address: 'a', pid: 1, startedAt: 1, rooms: 0, players: 0, state: 'alive' });
  expect((await registry.nodes())[0]?.state).toBe('alive');
  await expect.poll(async () => (await registry.nodes())[0]?.state, { timeout: 3000, interval: 20 }).toBe('dead');
});

it('gives period boards an expiry and records a match under concurrency from two connections', async () => {
  const r = await fresh();
  const other = createRedis(db.server.url, { role: 'test-2' });
  onTestFinished(async () => void (await other.quit()));
  const a = new RedisLeaderboardStore(r);
  const b = new RedisLeaderboardStore(other);
  const result = { matchId: 'room:1', match: 1, standings: [{ playerId: 'p', name: 'P', score: 12 }] };
  const written = await Promise.all([a, b, a, b].map((s) => s.recordMatch(result)));
  expect(written.filter(Boolean)).toHaveLength(1);
  expect((await b.top('score-total', 0, 10)).entries[0]?.score).toBe(12);
  const keys = await r.keys('sc:lb:*-daily:*');
  expect(keys.length).toBe(2);
  for (const key of keys) expect(await r.pttl(key)).toBeGreaterThan(0);
  expect(await r.ttl('sc:lb:score-best:all')).toBe(-1);
});
