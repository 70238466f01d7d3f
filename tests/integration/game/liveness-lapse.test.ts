import { expect, it } from 'vitest';
import { HEARTBEAT_INTERVAL_MS, HEARTBEAT_TTL_MS, nextLapseMs, processAliveKey } from '../../../server/cluster/liveness';
import { usePrivateRedis } from '../../support/redis';

// The sweep at a silent peer's lapse: it names only a peer whose beats stopped, never a beating one.
const db = usePrivateRedis();

it('names the soonest lapse of a silent peer within the sweep interval, and nothing for beating peers or itself', async () => {
  const r = db.redis;
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
