import '../../../server/common/websocket-global';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { PlayerProfile } from '../../../shared/api';
import type { MatchResult, RecordedNotice, StoreNotice } from '../../../shared/protocol';
import { createRedis, redisReady } from '../../../server/common/redis';
import { Cluster } from '../../../server/supervisor/cluster';
import { startControlServer, type ControlServer } from '../../../server/supervisor/control';
import { freePort } from '../../../server/supervisor/ports';
import { SentinelStore, sentinelPrimaryPort } from '../../../server/supervisor/sentinel';
import type { StoreProcess } from '../../../server/supervisor/store';
import { SENTINEL_NO_FAULT_POINTS } from '../../../server/supervisor/store-open';
import { TestPlayer, api } from '../../support/player';
import { nextMessage } from '../../support/rooms';

// The replicated store fails over under a live cluster: the supervisor's Sentinel setup (a
// primary, a replica, three Sentinels as real redis-servers), two game nodes and an API as real
// processes connected through Sentinel. The primary is SIGKILLed through the control endpoint;
// a Sentinel promotes the replica and every process reconnects to it by itself.
const TOKEN = randomBytes(24).toString('base64url');
const dir = mkdtempSync(join(tmpdir(), 'statecraft-ha-'));
const cleanups: (() => Promise<unknown>)[] = [];
const players: TestPlayer[] = [];
let store: SentinelStore;
let cluster: Cluster;
let control: ControlServer;
let apiUrl = '';

afterAll(async () => {
  for (const p of players) p.close();
  for (const c of cleanups.reverse()) await c().catch(() => {});
  rmSync(dir, { recursive: true, force: true });
});
beforeAll(async () => {
  store = await SentinelStore.start(dir);
  cleanups.push(() => store.stop());
  const apiPort = await freePort();
  apiUrl = `http://127.0.0.1:${apiPort}`;
  cluster = new Cluster({
    redisUrl: store.url, gamePorts: [await freePort(), await freePort()], apiPorts: [apiPort], publicHost: '127.0.0.1', store,
    faultPoints: false, faultPointsOff: SENTINEL_NO_FAULT_POINTS, jwtSecret: randomBytes(32).toString('base64url'),
    env: { LOG_LEVEL: 'warn', MATCH_SECONDS: '6', RESULTS_SECONDS: '1' },
    print: (id, line) => process.stderr.write(`[${id}] ${line}\n`),
  });
  cleanups.push(() => cluster.stop(2000));
  await cluster.start();
  control = await startControlServer(cluster, TOKEN, 0, []);
  cleanups.push(() => control.close());
}, 90_000);

const inject = async (fault: string, target: string) => {
  const res = await fetch(`${control.url}/faults`, {
    method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify({ fault, target }),
  });
  return { status: res.status, body: await res.json() as { message: string; code?: string } };
};
const storeEntry = async () => {
  const res = await fetch(`${control.url}/processes`, { headers: { authorization: `Bearer ${TOKEN}` } });
  return ((await res.json()) as { processes: StoreProcess[] }).processes.find((p) => p.id === 'redis')!;
};

it('lists the replicated store: a primary, a replica and three Sentinels; kill redis is refused with what to do instead', async () => {
  const entry = await storeEntry();
  expect(entry).toMatchObject({ id: 'redis', kind: 'redis', mode: 'ha', state: 'alive', reason: null });
  expect(entry.members!.map((m) => m.role).sort()).toEqual(['primary', 'replica', 'sentinel', 'sentinel', 'sentinel']);
  expect(await inject('kill', 'redis')).toMatchObject({ status: 409, body: { code: 'control/invalid', message: expect.stringContaining('kill redis-primary') } });
  expect(await inject('partition', 'node-1')).toMatchObject({ status: 409, body: { message: expect.stringContaining('Sentinel') } });
});

it('game nodes answer the probes the deployment files use: /health/live and /health/ready, no token', async () => {
  for (const node of cluster.list('game')) {
    const base = `http://127.0.0.1:${node.spec.port}`;
    const live = await fetch(`${base}/health/live`);
    expect(live.status).toBe(200);
    expect(await live.json()).toEqual({ ok: true, ready: true, draining: false, store: 'up' });
    expect((await fetch(`${base}/health/ready`)).status).toBe(200);
    expect((await fetch(`${base}/health/other`)).status).toBe(404);
  }
});

it('fails over on a SIGKILL of the primary: the replica is promoted, no process exits, writes are accepted again, the checkpointed room resumes', async () => {
  const solo = await new TestPlayer('Solo', [apiUrl]).login();
  const ann = await new TestPlayer('Ann', [apiUrl]).login();
  players.push(solo, ann);
  await solo.play('stateful');
  await ann.play('checkpointed');
  for (const p of players) p.steer();
  const soloResults: MatchResult[] = [];
  const soloRecorded: RecordedNotice[] = [];
  solo.room.onMessage('results', (m: MatchResult) => soloResults.push(m));
  solo.room.onMessage('recorded', (m: RecordedNotice) => soloRecorded.push(m));
  // Let a checkpoint land and replicate before the fault.
  await nextMessage<StoreNotice>(ann.room, 'store', 5000).catch(() => null);
  const roomBefore = ann.room.roomId;
  const oldPrimary = (await storeEntry()).port;

  // A writer of our own through Sentinel, as every process connects: how long until a write lands again.
  const probe = createRedis(store.url, { role: 'test-probe', failFast: true });
  cleanups.push(async () => probe.disconnect());
  await redisReady(probe, 5000);
  let writesBackAt = 0;
  let killedAt = 0;
  let writing = true;
  const writer = (async () => {
    let i = 0;
    while (writing) {
      const ok = await probe.set('sc:test:failover', String(++i)).then(() => true, () => false);
      if (ok && killedAt && !writesBackAt) writesBackAt = performance.now();
      await new Promise((r) => setTimeout(r, 20)); // the probe's write rate, not a wait for an event
    }
  })();
  const paused = nextMessage<StoreNotice>(ann.room, 'store', 5000);

  const res = await inject('kill', 'redis-primary');
  killedAt = performance.now();
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  expect(res.body.message).toContain('killed (SIGKILL');
  expect(await paused).toMatchObject({ store: 'unreachable' });
  const tickAtPause = ann.lastTick;
  // During the failover: alive (never restarted for the store's sake), not ready (its lease lapsed).
  const host = `http://127.0.0.1:${cluster.list('game').find((n) => ann.node.nodeId === n.spec.id)?.spec.port ?? cluster.list('game')[0]!.spec.port}`;
  expect((await fetch(`${host}/health/live`)).status).toBe(200);
  await expect.poll(async () => (await fetch(`${host}/health/ready`)).status, { timeout: 3000, interval: 20 }).toBe(503);

  // A Sentinel promotes the replica.
  await expect.poll(() => sentinelPrimaryPort(store.members().find((m) => m.role === 'sentinel')!.port), { timeout: 15_000, interval: 50 }).not.toBe(oldPrimary);
  const promotedMs = performance.now() - killedAt;
  await expect.poll(() => writesBackAt, { timeout: 15_000, interval: 20 }).toBeGreaterThan(0);
  const writesBackMs = writesBackAt - killedAt;
  writing = false;
  await writer;

  // The API takes writes again (a new guest is a write to the sessions store).
  await expect.poll(async () => (await api(apiUrl, '/v1/auth/guest', { method: 'POST', body: { name: 'After' } })).status, { timeout: 10_000, interval: 50 }).toBe(200);
  const apiBackMs = performance.now() - killedAt;

  // The checkpointed room plays again, in place (the fence decides), or a peer restored it: either way it plays.
  await expect.poll(() => ann.lastTick - tickAtPause, { timeout: 10_000, interval: 20 }).toBeGreaterThan(10);
  const resumedMs = performance.now() - killedAt;
  expect(ann.room.roomId).toBe(roomBefore);

  // Stateful results of matches that ended around the failover are recorded (the outbox retried them).
  await expect.poll(() => soloResults.length, { timeout: 15_000, interval: 100 }).toBeGreaterThan(0);
  await expect.poll(() => soloResults.every((r) => soloRecorded.some((n) => n.matchId === r.matchId && n.status === 'recorded')), { timeout: 10_000, interval: 100 }).toBe(true);
  const profile = await api<PlayerProfile>(apiUrl, '/v1/players/me', { token: solo.session.accessToken });
  expect(profile.status).toBe(200);

  // Nothing exited: every game node and API instance is the same process it was.
  for (const child of cluster.list()) {
    expect(child.process, `${child.spec.id} still running`).not.toBeNull();
    expect(child.lastExit, `${child.spec.id} never exited`).toBeNull();
  }
  await expect.poll(async () => (await storeEntry()).port, { timeout: 2000, interval: 50 }).not.toBe(oldPrimary);
  expect((await storeEntry()).members!.find((m) => m.role === 'primary')).toMatchObject({ state: 'alive' });
  console.log(`failover: replica promoted ${promotedMs.toFixed(0)} ms after the SIGKILL, writes accepted again after ${writesBackMs.toFixed(0)} ms, `
    + `API guest login after ${apiBackMs.toFixed(0)} ms, checkpointed room playing again after ${resumedMs.toFixed(0)} ms`);
  expect(writesBackMs).toBeLessThan(10_000);

  // The killed server comes back as a replica of the promoted one.
  const back = await inject('restart', 'redis-primary');
  expect(back.status, JSON.stringify(back.body)).toBe(200);
  expect(back.body.message).toContain('as a replica of');
}, 90_000);
