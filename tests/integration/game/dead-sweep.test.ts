import { afterAll, beforeAll, expect, it } from 'vitest';
import { matchMaker } from '@colyseus/core';
import { RedisDriver } from '@colyseus/redis-driver';
import type { Redis } from 'ioredis';
import { HEARTBEAT_TTL_MS, createSweeper, processAliveKey } from '../../../server/cluster/liveness';
import { createRedis, redisReady } from '../../../server/common/redis';
import { usePrivateRedis } from '../../support/redis';

// The sweep of dead processes' room listings on a connection that has just come up: an API
// instance that just started, or every process just back from a store outage.
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
  setTimeout(() => void alive('late'), 300);
  expect(await swept).toEqual(['killed']);
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
