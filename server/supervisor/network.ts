import { FaultPoint, type FaultMode } from './fault-point';
import { FaultError } from './faults';
import { STORE_ID } from './store';

/** Network faults, injected through the fault points (see {@link Network}). */
export const NETWORK_FAULTS = ['partition', 'isolate', 'slow', 'heal'] as const;
export type NetworkFaultName = (typeof NETWORK_FAULTS)[number];

/** Latency a `slow` fault may add each way, in ms. */
export const SLOW_MS = { min: 1, max: 5000 } as const;

/** An active network fault, as GET /network and `npm run chaos -- status` list it. */
export interface NetworkFault {
  /** A process id, or `redis` (every process cut off from the store). */
  target: string;
  kind: 'partition' | 'isolate' | 'slow';
  /** `slow` only: latency added each way. */
  ms?: number;
  /** Epoch ms when it was injected. */
  since: number;
}

/** One fault point of the table `npm start` prints. */
export interface PathInfo {
  name: string;
  listen: string;
  target: string;
}

interface Paths {
  store: FaultPoint;
  /** Game nodes only: the address their seats advertise. */
  players?: FaultPoint;
}

/**
 * Every path the supervisor owns, each through its own {@link FaultPoint}: each
 * process → Redis, and players → each game node (the address in its seats).
 * Faults compose: a process's store path is blackholed while either it or
 * `redis` is partitioned, so healing one leaves the other in force.
 */
export class Network {
  readonly #paths = new Map<string, Paths>();
  readonly #faults = new Map<string, NetworkFault>();
  #storePartition: NetworkFault | null = null;

  /** Opens `id`'s path to the store (Redis at `redisUrl`); resolves with the URL the process must use instead. */
  async addStorePath(id: string, redisUrl: string, host: string): Promise<string> {
    const url = new URL(redisUrl);
    const point = await FaultPoint.open(`${id}→${STORE_ID}`, { host: url.hostname, port: Number(url.port || 6379) }, { host, port: 0 });
    this.#paths.set(id, { store: point });
    url.hostname = host;
    url.port = String(point.port);
    return url.toString();
  }

  /** Opens the players' path to game node `id` (listening on `target`); resolves with the port players use. */
  async addPlayersPath(id: string, target: { host: string; port: number }, listen: { host: string; port: number }): Promise<number> {
    const paths = this.#paths.get(id);
    if (!paths) throw new Error(`${id} has no store path: open it first`);
    paths.players = await FaultPoint.open(`players→${id}`, target, listen);
    return paths.players.port;
  }

  has(id: string): boolean {
    return this.#paths.has(id);
  }

  /** Injects `fault` on `target` (a process id with paths, or `redis`); returns what was done, for a person. */
  inject(fault: NetworkFaultName, target: string, ms?: number): string {
    if (target === STORE_ID) return this.#injectStore(fault);
    const paths = this.#paths.get(target);
    if (!paths) throw new FaultError('control/invalid', `${target} has no fault points.`);
    const since = Date.now();
    switch (fault) {
      case 'heal': {
        const had = this.#faults.get(target);
        this.#faults.delete(target);
        this.#apply(target);
        const still = this.#storePartition ? ` (redis is still partitioned from everyone: heal redis)` : '';
        return had ? `${target} healed (was ${describe(had)})${still}` : `${target} had no network fault${still}`;
      }
      case 'partition':
        this.#faults.set(target, { target, kind: 'partition', since });
        this.#apply(target);
        return `${target} partitioned from ${STORE_ID}: its store connections stay open and nothing crosses${paths.players ? '; its players still reach it' : ''}`;
      case 'isolate':
        if (!paths.players) throw new FaultError('control/invalid', `isolate takes a game node: players reach ${target} directly, with no fault point in between (try partition ${target}).`);
        this.#faults.set(target, { target, kind: 'isolate', since });
        this.#apply(target);
        return `${target} isolated: cut off from ${STORE_ID} and from its players (connections stay open, nothing crosses)`;
      case 'slow': {
        if (ms === undefined || !Number.isInteger(ms) || ms < SLOW_MS.min || ms > SLOW_MS.max) {
          throw new FaultError('control/invalid', `slow needs ms, an integer from ${SLOW_MS.min} to ${SLOW_MS.max} (the latency added each way).`);
        }
        this.#faults.set(target, { target, kind: 'slow', ms, since });
        this.#apply(target);
        return `${target} ↔ ${STORE_ID} slowed by ${ms} ms each way`;
      }
    }
  }

  /** Active faults: the store's partition first, then per process. */
  list(): NetworkFault[] {
    return [...(this.#storePartition ? [this.#storePartition] : []), ...this.#faults.values()];
  }

  /** The fault points, for the startup table. */
  paths(): PathInfo[] {
    return [...this.#paths.values()].flatMap((p) => [p.store, ...(p.players ? [p.players] : [])]).map((point) => ({
      name: point.name, listen: `${point.host}:${point.port}`, target: `${point.target.host}:${point.target.port}`,
    }));
  }

  async close(): Promise<void> {
    await Promise.all([...this.#paths.values()].flatMap((p) => [p.store.close(), p.players?.close()]));
    this.#paths.clear();
  }

  #injectStore(fault: NetworkFaultName): string {
    if (fault === 'partition') {
      this.#storePartition = { target: STORE_ID, kind: 'partition', since: Date.now() };
      for (const id of this.#paths.keys()) this.#apply(id);
      return `${STORE_ID} partitioned from every process (${this.#paths.size} store paths blackholed; Redis itself keeps running)`;
    }
    if (fault === 'heal') {
      const had = this.#storePartition !== null;
      this.#storePartition = null;
      for (const id of this.#paths.keys()) this.#apply(id);
      return had ? `${STORE_ID} healed: every process reaches it again` : `${STORE_ID} was not partitioned`;
    }
    throw new FaultError('control/invalid', `${STORE_ID} takes partition and heal (and kill and restart); ${fault} takes a process id.`);
  }

  /** Sets `id`'s fault points to what its faults and the store's add up to. */
  #apply(id: string): void {
    const paths = this.#paths.get(id)!;
    const fault = this.#faults.get(id);
    const cut = this.#storePartition !== null || fault?.kind === 'partition' || fault?.kind === 'isolate';
    const store: FaultMode = cut ? { kind: 'blackhole' } : fault?.kind === 'slow' ? { kind: 'latency', latencyMs: fault.ms! } : { kind: 'pass' };
    paths.store.set(store);
    paths.players?.set(fault?.kind === 'isolate' ? { kind: 'blackhole' } : { kind: 'pass' });
  }
}

function describe(f: NetworkFault): string {
  return f.kind === 'slow' ? `slowed by ${f.ms} ms` : f.kind === 'isolate' ? 'isolated' : 'partitioned';
}
