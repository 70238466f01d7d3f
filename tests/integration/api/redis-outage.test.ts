import type { ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRedisServer } from '../../../server/supervisor/redis';
import { once } from 'node:events';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startRedis, type TestRedis } from '../../support/redis';
import { harness, login, type Harness } from './harness';

let redis: TestRedis | undefined;
let revived: ChildProcess | undefined;
let h: Harness | undefined;
afterAll(async () => {
  await h?.close();
  if (revived && revived.exitCode === null && revived.signalCode === null) {
    revived.kill('SIGKILL');
    await once(revived, 'exit');
  }
  await redis?.stop();
});
beforeAll(async () => {
  redis = await startRedis();
  h = await harness(redis.url);
});

/** Waits until `check` passes: the client reconnects on its own schedule. */
async function eventually(check: () => Promise<boolean>, ms = 10_000): Promise<void> {
  await expect.poll(check, { timeout: ms, interval: 25 }).toBe(true);
}

it('answers 503 redis/unavailable while Redis is down, stays live, and recovers when it returns', async () => {
  const session = await login(h!.app);
  const port = redis!.port;
  redis!.process.kill('SIGKILL');
  await once(redis!.process, 'exit');

  await eventually(async () => (await h!.app.inject('/health/ready')).statusCode === 503);
  expect((await h!.app.inject('/health/ready')).json()).toMatchObject({ ok: false, redis: 'down' });
  expect((await h!.app.inject('/health/live')).statusCode).toBe(200);

  const started = Date.now();
  const board = await h!.app.inject('/v1/leaderboards/score-best');
  expect(board.statusCode).toBe(503);
  expect(board.json()).toEqual({ code: 'redis/unavailable', message: expect.any(String), statusCode: 503 });
  const guest = await h!.app.inject({ method: 'POST', url: '/v1/auth/guest', payload: { name: 'Ann' } });
  expect(guest.json().code).toBe('redis/unavailable');
  const mine = await h!.app.inject({ url: '/v1/players/me', headers: { authorization: `Bearer ${session.accessToken}` } });
  expect(mine.statusCode).toBe(503);
  expect(Date.now() - started).toBeLessThan(1000); // fail fast, no queueing

  revived = await startRedisServer(port, mkdtempSync(join(tmpdir(), 'statecraft-revived-')));
  revived.stdout?.resume();
  await eventually(async () => (await h!.app.inject('/health/ready')).statusCode === 200);
  expect((await h!.app.inject('/v1/leaderboards/score-best')).statusCode).toBe(200);
  expect((await h!.app.inject({ method: 'POST', url: '/v1/auth/guest', payload: { name: 'Ann' } })).statusCode).toBe(200);
});
