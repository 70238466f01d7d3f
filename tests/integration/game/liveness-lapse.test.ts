import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { createRedis, redisReady } from '../../../server/common/redis';
import { HEARTBEAT_INTERVAL_MS, HEARTBEAT_TTL_MS, nextLapseMs, processAliveKey } from '../../../server/cluster/liveness';
import { startRedis, type TestRedis } from '../../support/redis';

// The sweep at a silent peer's lapse: it names only a peer whose beats stopped, never a beating one.
let server: TestRedis | undefined;
let redis: Redis | undefined;
const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});
beforeAll(async () => {
  cleanups.push(async () => server?.stop());
  server = await startRedis();
  cleanups.push(async () => redis?.quit());
  redis = createRedis(server.url, { role: 'test' });
  await redisReady(redis, 5000);
});

it('names the soonest lapse of a silent peer within the sweep interval, and nothing for beating peers or itself', async () => {
  const r = redis!;
  await r.flushdb();
  await r.hset('roomcount', 'self', '1,1', 'beating', '1,1', 'silent', '1,1', 'gone', '0,0');
  // A beating peer's key is at most one interval old: never within a sweep interval of lapsing.
  await r.set(processAliveKey('beating'), 'n', 'PX', HEARTBEAT_TTL_MS - HEARTBEAT_INTERVAL_MS);
  await r.set(processAliveKey('self'), 'n', 'PX', 50);
  expect(await nextLapseMs(r, 'self')).toBeNull();

  await r.set(processAliveKey('silent'), 'n', 'PX', 120);
  const lapse = await nextLapseMs(r, 'self');
  expect(lapse).not.toBeNull();
  expect(lapse!).toBeGreaterThan(60);
  expect(lapse!).toBeLessThanOrEqual(120);
  // Asked of given processes (a rejoin asks of the room's host): only theirs count.
  expect(await nextLapseMs(r, '', 300, ['beating'])).toBeNull();
  expect(await nextLapseMs(r, '', 300, ['beating', 'silent'])).not.toBeNull();

  // Once lapsed it is the regular sweep's to remove (no key: nothing to wait for).
  await expect.poll(() => r.exists(processAliveKey('silent')), { timeout: 2000, interval: 20 }).toBe(0);
  expect(await nextLapseMs(r, 'self')).toBeNull();
});
