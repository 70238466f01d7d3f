import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { Cluster } from '../../server/supervisor/cluster';
import { startRedisServer } from '../../server/supervisor/redis';
import { freePort } from '../../server/supervisor/ports';
import { SentinelStore } from '../../server/supervisor/sentinel';
import { SENTINEL_NO_FAULT_POINTS } from '../../server/supervisor/store-open';

export interface BenchStackOptions {
  gameNodes?: number;
  apis?: number;
  /** Extra environment for every server process (MATCH_SECONDS, TICK_RATE...). */
  env?: Record<string, string>;
  /** Server output lines, for the report's log (default: dropped). */
  print?: (id: string, line: string) => void;
  /**
   * Fault points on every path, as `npm start` has them (default true: experiments inject
   * network faults through them); benchmarks turn them off to measure without the hop.
   */
  faultPoints?: boolean;
  /**
   * `ha`: the replicated store `npm start -- --store ha` runs (a primary, a replica, three
   * Sentinels) instead of one redis-server; every process connects through Sentinel, without
   * fault points (Sentinel hands out the primary's own address). Default `single`.
   */
  store?: 'single' | 'ha';
}

/**
 * A private Statecraft for one experiment run or benchmark: its own
 * redis-server (append-only file in a temp dir, so it can be restarted as a
 * fault and keep its data), game nodes and API instances on free loopback
 * ports. Never touches the Redis a demo uses: Colyseus's keys are unprefixed.
 */
export class BenchStack {
  cluster: Cluster | null = null;
  redis: ChildProcess | null = null;
  redisPort = 0;
  apiUrls: string[] = [];
  /** The replicated store (`store: 'ha'`), else null. */
  sentinel: SentinelStore | null = null;
  readonly #dir = mkdtempSync(join(tmpdir(), 'statecraft-bench-'));

  get redisUrl(): string {
    return `redis://127.0.0.1:${this.redisPort}`;
  }

  /** What every process connects to: the one server, or the Sentinels of the replicated store. */
  get storeUrl(): string {
    return this.sentinel?.url ?? this.redisUrl;
  }

  async start(options: BenchStackOptions = {}): Promise<this> {
    const { gameNodes = 3, apis = 2, env = {} } = options;
    const ha = options.store === 'ha';
    const faultPoints = !ha && (options.faultPoints ?? true);
    if (ha) {
      this.sentinel = await SentinelStore.start(join(this.#dir, 'redis-ha'));
    } else {
      this.redisPort = await freePort();
      await this.startRedis();
    }
    const apiPorts = await Promise.all(Array.from({ length: apis }, () => freePort()));
    this.apiUrls = apiPorts.map((p) => `http://127.0.0.1:${p}`);
    this.cluster = new Cluster({
      redisUrl: this.storeUrl,
      ...(this.sentinel ? { store: this.sentinel, faultPointsOff: SENTINEL_NO_FAULT_POINTS } : {}),
      gamePorts: await Promise.all(Array.from({ length: gameNodes }, () => freePort())),
      apiPorts,
      publicHost: '127.0.0.1',
      jwtSecret: randomBytes(32).toString('base64url'),
      faultPoints,
      // Benchmarks and experiments drive hundreds of bots from one address: the per-IP and
      // per-player abuse limits would measure themselves, not the cluster.
      env: {
        LOG_LEVEL: 'warn', RATE_LIMIT_MAX: '0', GUEST_RATE_PER_MIN: '0', MATCHMAKE_RATE_PER_MIN: '0', WS_CONNECTIONS_PER_IP: '0', ROOMS_PER_PLAYER: '0',
        ...env,
      },
      print: options.print ?? (() => {}),
    });
    await this.cluster.start();
    return this;
  }

  async startRedis(): Promise<void> {
    this.redis = await startRedisServer(this.redisPort, this.#dir);
    this.redis.stdout?.resume();
    this.redis.stderr?.resume();
  }

  /** Stops Redis: SIGTERM (a clean shutdown that flushes the append-only file) or SIGKILL. */
  async stopRedis(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const child = this.redis;
    this.redis = null;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill(signal);
    await exited;
  }

  /** Process id of a cluster child (game node or API instance). */
  pid(id: string): number | undefined {
    return this.cluster?.get(id).pid;
  }

  async stop(): Promise<void> {
    await this.cluster?.stop(2000).catch(() => {});
    await this.stopRedis('SIGKILL');
    await this.sentinel?.stop().catch(() => {});
    rmSync(this.#dir, { recursive: true, force: true });
  }
}
