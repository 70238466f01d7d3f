import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Redis } from 'ioredis';
import { sentinelAddress } from '../common/redis';
import { FaultError } from './faults';
import { freePort } from './ports';
import { startRedisServer } from './redis';
import { STORE_ID, type StoreMember, type StoreProcess, type SupervisedStore } from './store';

/** The fault target for the replicated store's primary (`npm run chaos -- kill redis-primary`). */
export const PRIMARY_ID = 'redis-primary';
export const PRIMARY_FAULTS = ['kill', 'restart'] as const;

/** The primary's name in every Sentinel's configuration, and so in REDIS_SENTINEL_NAME. */
export const SENTINEL_NAME = 'statecraft';

/**
 * How fast Sentinel acts. A primary silent for 1 s is subjectively down; two of three Sentinels
 * agreeing make it objectively down and elect one of them to promote the replica. Measured here:
 * writes accepted again ~2–4 s after a SIGKILL (see the README's failover numbers).
 */
const DOWN_AFTER_MS = 1000;
const FAILOVER_TIMEOUT_MS = 5000;
const QUORUM = 2;
/** How long the start waits for the replica to sync and the Sentinels to find each other. */
const FORM_TIMEOUT_MS = 20_000;

interface DataNode {
  id: 'redis-a' | 'redis-b';
  port: number;
  dir: string;
  child: ChildProcess | null;
  lastExit: string | null;
}

interface SentinelNode {
  id: string;
  port: number;
  child: ChildProcess;
}

/**
 * A replicated store the supervisor runs (`npm start -- --store ha`): two `redis-server`s (one
 * primary, one replica, asynchronous replication, AOF each) and three Sentinels
 * (`redis-server <conf> --sentinel`), all on free loopback ports with their data in `dir`.
 * Processes find the primary through the Sentinels ({@link address}), so a failover needs no
 * supervisor: it only injects faults (SIGKILL the current primary) and restarts a dead server
 * as a replica of whoever is primary now. Which server was primary last is kept in `dir`, so
 * the next start does not make the stale one primary and throw newer data away.
 */
export class SentinelStore implements SupervisedStore {
  readonly mode = 'ha' as const;
  readonly managed = true;
  readonly reason = null;
  readonly targets = [PRIMARY_ID, STORE_ID] as const;
  #primaryPort: number;
  #refreshing = false;

  private constructor(private readonly dir: string, private readonly nodes: DataNode[], private readonly sentinels: SentinelNode[]) {
    this.#primaryPort = nodes[0]!.port;
  }

  /** Starts primary, replica and Sentinels; resolves once the Sentinels know the replica and each other. */
  static async start(dir: string): Promise<SentinelStore> {
    mkdirSync(dir, { recursive: true });
    const stateFile = join(dir, 'primary');
    const first = existsSync(stateFile) && readFileSync(stateFile, 'utf8').trim() === 'redis-b' ? 'redis-b' : 'redis-a';
    const ids = first === 'redis-a' ? ['redis-a', 'redis-b'] as const : ['redis-b', 'redis-a'] as const;
    const nodes: DataNode[] = [];
    for (const id of ids) nodes.push({ id, port: await freePort(), dir: resolve(dir, id), child: null, lastExit: null });
    const [primary, replica] = nodes as [DataNode, DataNode];
    const store = new SentinelStore(dir, nodes, []);
    try {
      store.#adopt(primary, await startRedisServer(primary.port, primary.dir, ['--replicaof', 'no', 'one']));
      store.#adopt(replica, await startRedisServer(replica.port, replica.dir, ['--replicaof', '127.0.0.1', String(primary.port)]));
      await until(() => info(replica.port, 'replication').then((s) => s.includes('master_link_status:up')), 'the replica to sync');
      for (let i = 1; i <= 3; i++) store.sentinels.push(await startSentinel(`sentinel-${i}`, dir, primary.port));
      await until(async () => {
        const m = await sentinelMaster(store.sentinels[0]!.port);
        return Number(m['num-slaves']) >= 1 && Number(m['num-other-sentinels']) >= 2;
      }, 'the Sentinels to find the replica and each other');
    } catch (err) {
      await store.stop();
      throw err;
    }
    writeFileSync(stateFile, primary.id);
    return store;
  }

  /** What every process connects to: the Sentinels, which name the primary. */
  get url(): string {
    return sentinelAddress(this.sentinels.map((s) => `127.0.0.1:${s.port}`).join(','), SENTINEL_NAME);
  }

  get port(): number {
    return this.#primaryPort;
  }

  /** The store as GET /processes lists it: the primary's port and pid, and every member. */
  info(): StoreProcess {
    this.#refresh();
    const primary = this.nodes.find((n) => n.port === this.#primaryPort);
    const up = primary?.child !== null && primary?.child !== undefined;
    return {
      id: STORE_ID, kind: 'redis', port: this.#primaryPort, pid: primary?.child?.pid ?? null,
      state: up ? 'alive' : 'dead', lastExit: primary?.lastExit ?? null, reason: null, mode: 'ha', members: this.members(),
    };
  }

  members(): StoreMember[] {
    return [
      ...this.nodes.map((n): StoreMember => ({
        id: n.id, role: n.port === this.#primaryPort ? 'primary' : 'replica', port: n.port, pid: n.child?.pid ?? null, state: n.child ? 'alive' : 'dead',
      })),
      ...this.sentinels.map((s): StoreMember => ({ id: s.id, role: 'sentinel', port: s.port, pid: s.child.pid ?? null, state: s.child.exitCode === null ? 'alive' : 'dead' })),
    ];
  }

  /** `kill redis-primary`: SIGKILL whichever server Sentinel names primary now; `restart`: bring a dead one back as a replica. */
  async inject(fault: string, target: string): Promise<string> {
    if (target === STORE_ID) {
      throw new FaultError('control/invalid', `The store is replicated (a primary, a replica, three Sentinels): kill ${PRIMARY_ID} fails the primary over; restart ${PRIMARY_ID} brings a killed server back as a replica.`);
    }
    const primaryPort = await this.#askPrimary();
    switch (fault) {
      case 'kill': {
        const node = this.nodes.find((n) => n.port === primaryPort);
        const child = node?.child;
        if (!node || !child) throw new FaultError('control/invalid', `The primary Sentinel names (port ${primaryPort}) is not running: wait for the failover, or restart ${PRIMARY_ID}.`);
        const exited = once(child, 'exit');
        child.kill('SIGKILL');
        await exited;
        return `${PRIMARY_ID} (${node.id}, port ${node.port}) killed (SIGKILL, pid ${child.pid}); the Sentinels promote the replica in ~${Math.round(DOWN_AFTER_MS / 1000) + 1}-3 s and every process reconnects to it`;
      }
      case 'restart': {
        const dead = this.nodes.find((n) => !n.child);
        if (!dead) throw new FaultError('control/invalid', `Both servers are running (primary on port ${primaryPort}): kill ${PRIMARY_ID} first.`);
        const of = this.nodes.find((n) => n.child && n.port === primaryPort);
        // As a replica of the live primary: started as a primary it would serve its stale data until Sentinel demoted it.
        const extra = of ? ['--replicaof', '127.0.0.1', String(of.port)] : [];
        this.#adopt(dead, await startRedisServer(dead.port, dead.dir, extra));
        return `${dead.id} restarted on port ${dead.port} ${of ? `as a replica of ${of.id} (port ${of.port}), resyncing from it` : 'with its data (no live primary to follow: Sentinel decides)'}`;
      }
      default:
        throw new FaultError('control/invalid', `${PRIMARY_ID} takes ${PRIMARY_FAULTS.join(' and ')} only (partition needs fault points, which Sentinel mode has not).`);
    }
  }

  async stop(): Promise<void> {
    await this.#askPrimary().catch(() => null);
    const children = [...this.sentinels.map((s) => s.child), ...this.nodes.map((n) => n.child)];
    await Promise.all(children.map(async (child) => {
      if (!child || child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    }));
  }

  /** Asks the Sentinels which port is primary now (and remembers it, for the next start). */
  async #askPrimary(): Promise<number> {
    for (const s of this.sentinels) {
      const port = await sentinelPrimaryPort(s.port).catch(() => null);
      if (port === null) continue;
      if (port !== this.#primaryPort) {
        this.#primaryPort = port;
        const node = this.nodes.find((n) => n.port === port);
        if (node) writeFileSync(join(this.dir, 'primary'), node.id);
      }
      return port;
    }
    return this.#primaryPort;
  }

  /** info() is synchronous and polled: the primary is looked up in the background. */
  #refresh(): void {
    if (this.#refreshing || !this.sentinels.length) return;
    this.#refreshing = true;
    // No Sentinel answering is a state to show, not an error: keep the last known primary until one does.
    this.#askPrimary().catch(() => null).finally(() => {
      this.#refreshing = false;
    });
  }

  #adopt(node: DataNode, child: ChildProcess): void {
    node.child = child;
    child.stdout?.resume();
    child.stderr?.resume();
    child.once('exit', (code, signal) => {
      if (node.child !== child) return;
      node.child = null;
      node.lastExit = signal ?? `exit ${code}`;
    });
  }
}

async function startSentinel(id: string, dir: string, primaryPort: number): Promise<SentinelNode> {
  const port = await freePort();
  // Sentinel rewrites its configuration file with what it learns: one file each, written fresh per start.
  const conf = resolve(dir, `${id}.conf`);
  writeFileSync(conf, [
    `port ${port}`, 'bind 127.0.0.1', `dir ${resolve(dir)}`,
    `sentinel monitor ${SENTINEL_NAME} 127.0.0.1 ${primaryPort} ${QUORUM}`,
    `sentinel down-after-milliseconds ${SENTINEL_NAME} ${DOWN_AFTER_MS}`,
    `sentinel failover-timeout ${SENTINEL_NAME} ${FAILOVER_TIMEOUT_MS}`,
    `sentinel parallel-syncs ${SENTINEL_NAME} 1`, '',
  ].join('\n'));
  const child = spawn('redis-server', [conf, '--sentinel'], { stdio: ['ignore', 'pipe', 'pipe'] });
  await new Promise<void>((ok, fail) => {
    let out = '';
    child.once('error', fail);
    child.once('exit', (code) => fail(new Error(`${id} exited with ${code}:\n${out}`)));
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('+monitor master')) ok();
    });
  });
  child.stdout!.resume();
  child.stderr!.resume();
  return { id, port, child };
}

/** One short-lived connection for one question to a server or a Sentinel. */
async function ask<T>(port: number, fn: (r: Redis) => Promise<T>): Promise<T> {
  const r = new Redis({ port, host: '127.0.0.1', lazyConnect: true, connectTimeout: 1000, commandTimeout: 1000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  r.on('error', () => {});
  try {
    await r.connect();
    return await fn(r);
  } finally {
    r.disconnect();
  }
}

const info = (port: number, section: string) => ask(port, (r) => r.info(section));

async function sentinelMaster(port: number): Promise<Record<string, string>> {
  const flat = await ask(port, (r) => r.call('SENTINEL', 'MASTER', SENTINEL_NAME) as Promise<string[]>);
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) out[flat[i]!] = flat[i + 1]!;
  return out;
}

/** The port Sentinel at `port` names primary (it may still name a dead one until the failover). */
export async function sentinelPrimaryPort(port: number): Promise<number> {
  const addr = await ask(port, (r) => r.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', SENTINEL_NAME) as Promise<[string, string] | null>);
  if (!addr) throw new Error('Sentinel knows no primary');
  return Number(addr[1]);
}

/** Polls `check` every 100 ms until it holds (errors count as not yet), or fails after FORM_TIMEOUT_MS naming `what`. */
async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = performance.now() + FORM_TIMEOUT_MS;
  while (performance.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`Timed out after ${FORM_TIMEOUT_MS} ms waiting for ${what}.`);
}
