import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Room } from '@colyseus/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MatchmakeResult } from '../../shared/api';
import type { MovedNotice, StoreNotice } from '../../shared/protocol';
import { ManagedChild } from '../../server/supervisor/child';
import { HAPROXY_STATS_PATH, parseHaproxyStats, renderHaproxy } from '../../server/supervisor/haproxy';
import { apiEnv, nodeEnv, publicApiUrl, type Topology } from '../../server/supervisor/topology';
import { api, TestPlayer } from '../support/player';
import { connectionLost, stateWhere } from '../support/rooms';
import { cannotRun, HostNetwork } from './netns';

// A cluster across real hosts: one network namespace per process (Redis, three game nodes, two
// API instances, HAProxy as the entry point), each with its own address on a bridge, started
// with nothing but the environment topology.ts gives each one, as a deployment would. The test
// is the browser: it reaches the cluster only through the entry point's address.
const skip = cannotRun();
if (skip) console.warn(`test:hosts skipped: ${skip}`);

let net: HostNetwork;
const children = new Map<string, ManagedChild>();
const others: ChildProcess[] = [];
const players: TestPlayer[] = [];
const tmp = mkdtempSync(join(tmpdir(), 'statecraft-hosts-'));
let topology: Topology;
let entry = '';
let apiBase = '';

async function startStore(): Promise<void> {
  const redis = spawn('ip', [...net.launcher('redis').slice(1), 'redis-server', '--port', '6379', '--bind', net.ip('redis'), '--save', '', '--appendonly', 'no', '--protected-mode', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] });
  others.push(redis);
  await new Promise<void>((resolve, reject) => {
    let out = '';
    redis.once('exit', (code) => reject(new Error(`redis-server exited ${code}: ${out}`)));
    for (const stream of [redis.stdout!, redis.stderr!]) {
      stream.on('data', (c: Buffer) => {
        out += c.toString();
        if (out.includes('Ready to accept connections')) resolve();
      });
    }
  });
}

/** HAProxy's own view: the status of each server of `backend` (UP, DOWN, ...). */
async function pool(backend: string): Promise<Record<string, string>> {
  const res = await fetch(`http://${entry}${HAPROXY_STATS_PATH};csv`);
  return Object.fromEntries(parseHaproxyStats(await res.text()).filter((r) => r.backend === backend).map((r) => [r.server, r.status.split(' ')[0]!]));
}

/** Resolves (with how long it took) once `check()` holds, asking every 20 ms: HAProxy has no event to wait on. */
async function until(what: string, check: () => Promise<boolean>, timeoutMs = 10_000): Promise<number> {
  const t0 = performance.now();
  while (!(await check().catch(() => false))) {
    if (performance.now() - t0 > timeoutMs) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return performance.now() - t0;
}

function untilPool(backend: string, server: string, status: string, timeoutMs = 10_000): Promise<number> {
  return until(`${server} ${status} in HAProxy's ${backend}`, async () => (await pool(backend))[server] === status, timeoutMs);
}

function messageWhere<T>(room: Room, type: string, predicate: (m: T) => boolean, timeoutMs = 5000): Promise<T> {
  return new Promise((resolve, reject) => {
    const off = room.onMessage(type, (m: T) => {
      if (!predicate(m)) return;
      clearTimeout(timer);
      off();
      resolve(m);
    });
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no matching "${type}" message within ${timeoutMs} ms`));
    }, timeoutMs);
  });
}

let roomSize = 16;
/** Players seated together in a checkpointed room of a size no other test asked for (a room of its own). */
async function seated(names: string[]): Promise<TestPlayer[]> {
  const maxPlayers = roomSize--;
  const out: TestPlayer[] = [];
  for (const name of names) {
    const p = await new TestPlayer(name, [apiBase]).login();
    const { status, body } = await api<MatchmakeResult>(apiBase, '/v1/matchmake', { method: 'POST', token: p.session.accessToken, body: { mode: 'checkpointed', maxPlayers } });
    expect(status, JSON.stringify(body)).toBe(200);
    await (p as unknown as { connect(r: unknown): Promise<void> }).connect(body.reservation);
    p.steer();
    players.push(p);
    out.push(p);
  }
  return out;
}

async function playing(p: TestPlayer, ticks = 5): Promise<void> {
  const from = p.room.state.tick ?? 0;
  await stateWhere(p.room, (s) => s.tick >= from + ticks, 'play', 5000);
}

async function restart(id: string): Promise<void> {
  const child = children.get(id)!;
  if (child.process) await once(child.process, 'exit');
  child.start();
  await child.ready();
  await untilPool(id.startsWith('api') ? 'api' : `game-${id}`, id, 'UP');
}

describe.skipIf(skip !== null)('a cluster across real hosts (network namespaces, HAProxy)', () => {
  beforeAll(async () => {
    net = new HostNetwork();
    net.up();
    for (const host of ['redis', 'node-1', 'node-2', 'node-3', 'api-1', 'api-2', 'ingress']) net.add(host);
    const at = (host: string, port: number) => ({ bind: { host: net.ip(host), port }, reach: { host: net.ip(host), port } });
    topology = {
      storeUrl: `redis://${net.ip('redis')}:6379`,
      nodes: ['node-1', 'node-2', 'node-3'].map((id) => ({ id, ...at(id, 2567) })),
      apis: ['api-1', 'api-2'].map((id) => ({ id, ...at(id, 3001) })),
      ingress: { bind: { host: net.ip('ingress'), port: 8080 }, publicHost: `${net.ip('ingress')}:8080`, web: null },
    };
    entry = topology.ingress.publicHost;
    apiBase = publicApiUrl(topology);
    await startStore();

    // The same variables a person sets on each host; the secret is the only thing shared.
    const shared = { JWT_SECRET: randomBytes(32).toString('base64url'), LOG_LEVEL: 'warn', MATCH_SECONDS: '60', RESULTS_SECONDS: '1', GUEST_RATE_PER_MIN: '0', WS_CONNECTIONS_PER_IP: '0', MATCHMAKE_RATE_PER_MIN: '0' };
    const print = (id: string, line: string) => {
      if (/"level":(50|60)/.test(line)) process.stderr.write(`[${id}] ${line.slice(0, 300)}\n`);
    };
    for (const node of topology.nodes) {
      children.set(node.id, new ManagedChild({ id: node.id, kind: 'game', entry: 'server/game/main.ts', port: 2567, env: { ...shared, ...nodeEnv(topology, node) }, launcher: net.launcher(node.id) }, print));
    }
    for (const a of topology.apis) {
      children.set(a.id, new ManagedChild({ id: a.id, kind: 'api', entry: 'server/api/server.ts', port: 3001, env: { ...shared, ...apiEnv(topology, a) }, launcher: net.launcher(a.id) }, print));
    }
    for (const c of children.values()) c.start();
    await Promise.all([...children.values()].map((c) => c.ready()));

    const cfg = join(tmp, 'haproxy.cfg');
    writeFileSync(cfg, renderHaproxy(topology));
    const haproxy = spawn('ip', [...net.launcher('ingress').slice(1), 'haproxy', '-db', '-f', cfg], { stdio: ['ignore', 'ignore', 'pipe'] });
    // Its log is every server going down and up, which the tests cause: shown only if it exits.
    let log = '';
    haproxy.stderr!.on('data', (c: Buffer) => (log = (log + c.toString()).slice(-4000)));
    haproxy.once('exit', (code) => code && process.stderr.write(`[haproxy] exited ${code}:\n${log}\n`));
    others.push(haproxy);
    await untilPool('api', 'api-1', 'UP');
    await untilPool('api', 'api-2', 'UP');
  }, 90_000);

  // Registered before anything is made: whatever got made goes, whatever failed.
  afterAll(async () => {
    for (const p of players) p.close();
    await Promise.allSettled([...children.values()].map((c) => c.stop(2000)));
    for (const p of others) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
    await Promise.allSettled(others.map((p) => (p.exitCode === null && p.signalCode === null ? once(p, 'exit') : null)));
    net?.destroy();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('a browser-path join through the entry point: /api round robin, the game socket to the seat\'s /<node-id>/ route', async () => {
    const seen = new Set<string>();
    for (let i = 0; i < 4; i++) {
      const res = await fetch(`${apiBase}/health/ready`);
      expect(res.status).toBe(200);
      seen.add(res.headers.get('x-statecraft-instance') ?? '');
    }
    expect([...seen].sort()).toEqual(['api-1', 'api-2']);

    const ann = await new TestPlayer('HostAnn', [apiBase]).login();
    players.push(ann);
    await ann.play('stateful');
    expect(ann.node.address).toBe(`${entry}/${ann.node.nodeId}`);
    ann.steer();
    await playing(ann);
    const metrics = await fetch(`http://${entry}/${ann.node.nodeId}/metrics`);
    expect(metrics.status).toBe(200);
  });

  it('killing a room\'s host: the stateful match is lost (its route answers 503 room/lost), a checkpointed room is restored on another host', async () => {
    const ann = players[0]!;
    const host = ann.node.nodeId;
    const lost = connectionLost(ann.room, 5000);
    children.get(host)!.signal('SIGKILL');
    await lost;
    await untilPool(`game-${host}`, host, 'DOWN');
    const gone = await fetch(`http://${entry}/${host}/metrics`);
    expect(gone.status).toBe(503);
    expect(await gone.json()).toMatchObject({ code: 'room/lost' });
    await restart(host);

    const [bob] = await seated(['HostBob']);
    const from = bob!.node.nodeId;
    await playing(bob!);
    const dropped = connectionLost(bob!.room, 5000);
    const t0 = performance.now();
    children.get(from)!.signal('SIGKILL');
    await dropped;
    const { result } = await bob!.rejoin(0, 15_000);
    expect(result.nodeId).not.toBe(from);
    expect(bob!.node.restoredFrom?.nodeId).toBe(from);
    expect(bob!.node.address).toBe(`${entry}/${result.nodeId}`);
    await playing(bob!);
    console.log(`hosts: checkpointed room back in play on ${result.nodeId} ${Math.round(performance.now() - t0)} ms after its host was killed`);
    await restart(from);
  }, 60_000);

  it('a drain: a game node hands its checkpointed room over; a draining API instance leaves the pool within 1 s and no request fails', async () => {
    const [cat] = await seated(['HostCat']);
    const host = cat!.node.nodeId;
    await playing(cat!);
    const moved = messageWhere<MovedNotice>(cat!.room, 'moved', () => true, 5000);
    children.get(host)!.signal('SIGTERM');
    expect((await moved).reason).toBe('drain');
    const before = cat!.lastTick;
    await cat!.rejoin(0);
    expect(cat!.node.nodeId).not.toBe(host);
    expect(cat!.node.restoredFrom!.tick).toBeGreaterThanOrEqual(before);
    await restart(host);

    let failed = 0;
    let sent = 0;
    let stop = false;
    const load = (async () => {
      while (!stop) {
        sent++;
        const res = await fetch(`${apiBase}/health/live`).catch(() => null);
        if (res?.status !== 200) failed++;
        await res?.body?.cancel();
      }
    })();
    const t0 = performance.now();
    children.get('api-1')!.signal('SIGTERM');
    const outMs = await untilPool('api', 'api-1', 'DOWN');
    const outAt = performance.now() - t0;
    // Keep asking a little past the change: requests in flight when the instance closed count too.
    await until('100 requests through the drain', async () => sent >= 100);
    stop = true;
    await load;
    console.log(`hosts: draining api-1 left HAProxy's pool after ${Math.round(outAt)} ms (${Math.round(outMs)} ms polled); ${failed} of ${sent} requests failed meanwhile`);
    expect(outAt).toBeLessThan(1000);
    expect(failed).toBe(0);
    await restart('api-1');
  }, 60_000);

  it('a partition made of iptables DROP rules between a node\'s host and the store\'s: the room pauses, a peer restores it, after heal the stale copy retires', async () => {
    const [dan, eve] = await seated(['HostDan', 'HostEve']);
    const host = dan!.node.nodeId;
    const epoch = dan!.node.epoch!;
    await playing(dan!);
    const paused = messageWhere<StoreNotice>(eve!.room, 'store', (n) => n.paused, 5000);
    const t0 = performance.now();
    net.partition(host, 'redis');
    let healed = false;
    try {
      await paused;
      const pausedMs = performance.now() - t0;
      expect(pausedMs).toBeLessThan(1500);
      // Dan follows the room as the browser does; Eve stays on the cut-off copy.
      const { result } = await dan!.rejoin(0, 15_000);
      expect(result).toMatchObject({ epoch: epoch + 1 });
      expect(result.nodeId).not.toBe(host);
      await playing(dan!);
      const retired = messageWhere<MovedNotice>(eve!.room, 'moved', () => true, 10_000);
      net.heal(host, 'redis');
      healed = true;
      expect((await retired).reason).toBe('stale-copy');
      console.log(`hosts: partition by iptables paused the room after ${Math.round(pausedMs)} ms; restored on ${result.nodeId} under epoch ${epoch + 1}; the stale copy retired on heal`);
    } finally {
      if (!healed) net.heal(host, 'redis');
    }
  }, 60_000);
});
