import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { matchMaker } from '@colyseus/core';
import { RedisDriver } from '@colyseus/redis-driver';
import type { Redis } from 'ioredis';
import { RoomUnavailableError, ensureRoomHosted, roomHoster, type FailoverDeps } from '../../../server/cluster/failover';
import { HEARTBEAT_TTL_MS, createSweeper, processAliveKey } from '../../../server/cluster/liveness';
import { createRedis, redisReady } from '../../../server/common/redis';
import { createCheckpointStore } from '../../../server/stores';
import { usePrivateRedis } from '../../support/redis';

// Races of a node's death, each made to happen on a private Redis: the sweep of dead processes'
// listings on a connection that has just come up (an API instance that just started, or every
// process just back from a store outage), and a rejoin during a restore.
const db = usePrivateRedis();
let driver: RedisDriver;
const opened: Redis[] = [];

beforeAll(async () => {
  driver = new RedisDriver(db.server.url);
  await matchMaker.setup(undefined, driver);
});

afterAll(async () => {
  for (const r of opened) r.disconnect();
  await driver?.shutdown();
});

/** A Colyseus process as its peers see it: counted, listening on its IPC channel, beating. */
async function alive(id: string): Promise<void> {
  const sub = createRedis(db.server.url, { role: `test:${id}` });
  opened.push(sub);
  await sub.subscribe(`p:${id}`);
  await db.redis.set(processAliveKey(id), id, 'PX', 60_000);
}

async function listRoom(roomId: string, processId: string): Promise<void> {
  await db.redis.hset('roomcount', processId, '1,2');
  await db.redis.hset('roomcaches', roomId, JSON.stringify({ roomId, processId, name: 'arena', clients: 2, maxClients: 10, locked: false, private: false, unlisted: false, metadata: {} }));
}

async function freshConnection(): Promise<Redis> {
  const r = createRedis(db.server.url, { role: 'test:sweeper' });
  opened.push(r);
  await redisReady(r, 5000);
  return r;
}

it('just connected, it still removes a killed node (once its peers had a heartbeat to show they live), and never one that beats in that time', async () => {
  await db.redis.flushdb();
  await alive('live');
  await listRoom('room-live', 'live');
  // Killed a moment ago: its key has yet to lapse, but its channel is gone.
  await listRoom('room-killed', 'killed');
  await db.redis.set(processAliveKey('killed'), 'killed', 'PX', 60_000);
  // Not beating yet (the store just came back), and beats 300 ms later.
  await listRoom('room-late', 'late');

  const fresh = await freshConnection();
  const sweep = createSweeper(fresh, () => 'self');
  const t0 = performance.now();
  const swept = sweep();
  const late = sleep(300).then(() => alive('late'));
  expect(await swept).toEqual(['killed']);
  await late;
  // It waited for the rest of the TTL: no one was judged before every peer could beat.
  expect(performance.now() - t0).toBeGreaterThan(HEARTBEAT_TTL_MS - 300);
  expect(await db.redis.hkeys('roomcaches')).toEqual(expect.arrayContaining(['room-live', 'room-late']));
  expect(await db.redis.hexists('roomcaches', 'room-killed')).toBe(0);
  expect((await db.redis.hkeys('roomcount')).sort()).toEqual(['late', 'live']);

  // Nobody looks dead: a sweep on a fresh connection costs no wait.
  const t1 = performance.now();
  expect(await createSweeper(await freshConnection(), () => 'self')()).toEqual([]);
  expect(performance.now() - t1).toBeLessThan(HEARTBEAT_TTL_MS / 2);
});

it('answers a rejoin during a restore only once the restorer lets go: a claimed copy is not yet listening for seats', async () => {
  await db.redis.flushdb();
  const checkpoints = createCheckpointStore(db.redis);
  const deps: FailoverDeps = { checkpoints, redis: db.redis, owner: 'api-test' };
  // The restorer has claimed the room for the new copy (so the host record names a live process)
  // and holds the lease until Colyseus has created it and it takes seats.
  await alive('restorer-node');
  const epoch = await checkpoints.claim('r1', { nodeId: 'node-2', processId: 'restorer-node' });
  expect(await checkpoints.lease('r1', 'the-restorer', 5000)).toBe(true);

  await expect(ensureRoomHosted(deps, 'r1', 100)).rejects.toSatisfy((err) => err instanceof RoomUnavailableError && err.code === 'room/restoring');

  const t0 = performance.now();
  const released = sleep(150).then(() => checkpoints.release('r1', 'the-restorer'));
  const host = await ensureRoomHosted(deps, 'r1', 1000);
  await released;
  expect(performance.now() - t0).toBeGreaterThan(140);
  expect(host).toMatchObject({ roomId: 'r1', epoch, processId: 'restorer-node' });

  // One process asks once for all of a room's players asking at the same time.
  const hostOf = roomHoster(deps);
  const asks = Array.from({ length: 5 }, () => hostOf('r1'));
  expect(new Set(asks).size).toBe(1);
  expect(await asks[0]).toMatchObject({ epoch });
});
