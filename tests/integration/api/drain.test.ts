import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { HealthStatus } from '../../../shared/api';
import { freePort } from '../../../server/supervisor/ports';
import { CHECK_INTERVAL_MS } from '../../../server/supervisor/ingress-pool';
import { startRedis, type TestRedis } from '../../support/redis';
import { spawnServer, whenReady, type Child } from './processes';

// A real API process drained with a real SIGTERM, as `npm run chaos -- drain api-1` and a rolling
// restart do: the entry point must stop sending before the instance closes, or a request already on
// its way meets a closing socket.
let redis: TestRedis | undefined;
let api: Child | undefined;
let url = '';

afterAll(async () => {
  await api?.kill();
  await redis?.stop();
});
beforeAll(async () => {
  redis = await startRedis();
  const port = await freePort();
  api = spawnServer('server/api/server.ts', {
    REDIS_URL: redis.url, JWT_SECRET: randomBytes(32).toString('base64url'), API_ID: 'api-1', API_PORT: String(port), LOG_LEVEL: 'info',
  });
  await whenReady(api);
  url = `http://127.0.0.1:${port}`;
}, 60_000);

it('a drain (SIGTERM): readiness fails at once while every route still serves, then the instance closes cleanly', async () => {
  expect((await fetch(`${url}/health/ready`)).status).toBe(200);
  const exited = once(api!.process, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  const t0 = performance.now();
  api!.process.kill('SIGTERM');

  // Not ready, and it says why (polled, so a slow machine's signal delivery is not a failure).
  await expect.poll(async () => (await fetch(`${url}/health/ready`)).status, { timeout: 2_000, interval: 10 }).toBe(503);
  const ready = await fetch(`${url}/health/ready`);
  expect(await ready.json() as HealthStatus).toEqual({ ok: false, instance: 'api-1', draining: true });
  // Everything else still answers meanwhile: a request the entry point sent before it looked is served.
  expect((await fetch(`${url}/health/live`)).status).toBe(200);
  const guest = await fetch(`${url}/v1/auth/guest`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Dee' }) });
  expect(guest.status).toBe(200);

  // The entry point checks every CHECK_INTERVAL_MS and takes an instance out on one failure: the
  // instance serves on long enough for it to look at least twice before it closes.
  const [code, signal] = await exited;
  const closedAfter = performance.now() - t0;
  expect({ code, signal }).toEqual({ code: 0, signal: null });
  expect(closedAfter).toBeGreaterThanOrEqual(2 * CHECK_INTERVAL_MS);
  expect(closedAfter).toBeLessThan(5_000);
  expect(api!.output).toContain('draining: not ready');
  await expect(fetch(`${url}/health/live`)).rejects.toThrow();
});
