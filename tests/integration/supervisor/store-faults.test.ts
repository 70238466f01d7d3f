import { randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cluster } from '../../../server/supervisor/cluster';
import { startControlServer, type ControlServer } from '../../../server/supervisor/control';
import { freePort } from '../../../server/supervisor/ports';
import { startRedisServer } from '../../../server/supervisor/redis';
import { ManagedStore, type StoreProcess } from '../../../server/supervisor/store';

// Store faults through the real supervisor: a redis-server the supervisor started
// itself (killed with SIGKILL, started again on the same port with its data), under
// a real game node and API instance; and a Redis it did not start, whose faults are off.
const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const TOKEN = randomBytes(24).toString('base64url');
const dirs: string[] = [];
const cleanups: (() => Promise<unknown>)[] = [];
let cluster: Cluster | undefined;
let control: ControlServer | undefined;
let store: ManagedStore | undefined;
let apiUrl = '';
let cliDir = '';

afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => {});
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
beforeAll(async () => {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'statecraft-store-'));
  dirs.push(dataDir);
  const url = `redis://127.0.0.1:${port}`;
  store = ManagedStore.started(url, await startRedisServer(port, dataDir), dataDir);
  cleanups.push(() => store!.stop());
  const apiPort = await freePort();
  apiUrl = `http://127.0.0.1:${apiPort}`;
  cluster = new Cluster({
    redisUrl: url, gamePorts: [await freePort()], apiPorts: [apiPort], publicHost: '127.0.0.1', store,
    jwtSecret: randomBytes(32).toString('base64url'), env: { LOG_LEVEL: 'warn' },
    print: (id, line) => process.stderr.write(`[${id}] ${line}\n`),
  });
  cleanups.push(() => cluster!.stop(2000));
  await cluster.start();
  control = await startControlServer(cluster, TOKEN, 0, []);
  cleanups.push(() => control!.close());
  // The chaos CLI finds the supervisor through .data/control.json in its working directory.
  cliDir = mkdtempSync(join(tmpdir(), 'statecraft-chaos-'));
  dirs.push(cliDir);
  mkdirSync(join(cliDir, '.data'));
  writeFileSync(join(cliDir, '.data', 'control.json'), JSON.stringify({ url: control.url, token: TOKEN }));
}, 60_000);

const call = async (path: string, body?: unknown): Promise<{ status: number; body: any }> => {
  const res = await fetch(control!.url + path, {
    method: body ? 'POST' : 'GET',
    headers: { authorization: `Bearer ${TOKEN}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, body: await res.json() };
};
const storeEntry = async () => ((await call('/processes')).body.processes as StoreProcess[]).find((p) => p.id === 'redis');
const ready = async () => (await fetch(`${apiUrl}/health/ready`)).status;

/** `npm run chaos -- <args>`, run as the CLI itself (tsx, from the CLI's own working directory). */
async function chaos(...args: string[]): Promise<{ code: number; out: string }> {
  const loader = pathToFileURL(join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href;
  return promisify(execFile)(process.execPath, ['--import', loader, join(ROOT, 'server/supervisor/chaos.ts'), ...args], { cwd: cliDir })
    .then(({ stdout }) => ({ code: 0, out: stdout }), (err: { code: number; stdout: string }) => ({ code: err.code, out: err.stdout }));
}

describe('store faults when the supervisor started redis-server', () => {
  it('lists the store next to the processes', async () => {
    expect(await storeEntry()).toEqual({ id: 'redis', kind: 'redis', port: store!.port, pid: expect.any(Number), state: 'alive', lastExit: null, reason: null, mode: 'single' });
    expect((await chaos('status')).out).toMatch(/^redis\s+alive\s+port \d+\s+pid \d+/m);
  });

  it('kills it with SIGKILL (chaos CLI), and every process keeps running', async () => {
    const before = (await storeEntry())!;
    const { code, out } = await chaos('kill', 'redis');
    expect(code, out).toBe(0);
    expect(out).toContain(`redis killed (SIGKILL, pid ${before.pid})`);
    expect(await storeEntry()).toMatchObject({ state: 'dead', pid: null, lastExit: 'SIGKILL', reason: null });
    await expect.poll(ready, { timeout: 5000, interval: 25 }).toBe(503);
    for (const child of cluster!.list()) expect(child.state, child.spec.id).toBe('alive');
    // Already dead: refused with the reason.
    expect(await call('/faults', { fault: 'kill', target: 'redis' })).toMatchObject({ status: 409, body: { code: 'control/invalid', message: expect.stringContaining('not running') } });
  });

  it('restarts it on the same port with its data (control endpoint), and the API is ready again within 2 s', async () => {
    const res = await call('/faults', { fault: 'restart', target: 'redis' });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const back = performance.now();
    expect(res.body.message).toContain(`restarted on port ${store!.port}`);
    expect(await storeEntry()).toMatchObject({ state: 'alive', pid: expect.any(Number), port: store!.port, lastExit: 'SIGKILL' });
    await expect.poll(ready, { timeout: 2000, interval: 25 }).toBe(200);
    console.log(`API ready ${(performance.now() - back).toFixed(0)} ms after the store's restart`);
    expect(await call('/faults', { fault: 'restart', target: 'redis' })).toMatchObject({ status: 409, body: { code: 'control/invalid' } });
    // The CLI's restart works the same way.
    expect((await chaos('kill', 'redis')).code).toBe(0);
    const cli = await chaos('restart', 'redis');
    expect(cli.code, cli.out).toBe(0);
    expect(await storeEntry()).toMatchObject({ state: 'alive' });
  });

  it('takes kill and restart only', async () => {
    expect(await call('/faults', { fault: 'freeze', target: 'redis' })).toMatchObject({ status: 409, body: { code: 'control/invalid', message: 'redis takes kill and restart only.' } });
  });
});

describe('store faults when Redis was already running', () => {
  it('lists the store with the reason its faults are off, and refuses them with it', async () => {
    const external = ManagedStore.external(store!.url);
    const bare = new Cluster({ redisUrl: store!.url, gamePorts: [], apiPorts: [], publicHost: '127.0.0.1', jwtSecret: 'x'.repeat(32), store: external });
    const other = await startControlServer(bare, TOKEN, 0, []);
    try {
      const list = await (await fetch(`${other.url}/processes`, { headers: { authorization: `Bearer ${TOKEN}` } })).json() as { processes: unknown[] };
      expect(list.processes).toEqual([{ id: 'redis', kind: 'redis', port: store!.port, pid: null, state: 'alive', lastExit: null, reason: expect.stringContaining('did not start it'), mode: 'single' }]);
      for (const fault of ['kill', 'restart']) {
        const res = await fetch(`${other.url}/faults`, {
          method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify({ fault, target: 'redis' }),
        });
        expect(res.status).toBe(409);
        expect(await res.json()).toEqual({ code: 'control/invalid', message: external.reason, statusCode: 409 });
      }
      expect(await storeEntry()).toMatchObject({ state: 'alive' }); // untouched
    } finally {
      await other.close();
    }
  });
});
