import type { BenchStack } from '../support/stack';
import type { BotFleet } from '../../server/bots/fleet';
import { PRIMARY_ID } from '../../server/supervisor/sentinel';
import { primaryPort, promotion, readCheckpoints, type CheckpointMark } from './failover';

/** What a scenario did, for the report. */
export interface Injected {
  /** Process the fault hit: a node id, an API id, or 'redis'. */
  target: string;
  kind: 'node' | 'api' | 'redis';
  /** Epoch ms when the fault was injected. */
  at: number;
  description: string;
  /** Store faults: how long the store was meant to be down, and when it was back (epoch ms, set by `over`). */
  outageMs?: number;
  storeBackAt?: number;
  /** Network faults: when the fault was healed (epoch ms, set by `over`). */
  healedAt?: number;
}

/** What a run asks of its scenario. */
export interface ScenarioOptions {
  /** redis-restart: how long the store stays down (ms). */
  outageMs?: number;
}

export interface Scenario {
  name: string;
  summary: string;
  /** Injects the fault. */
  inject(stack: BenchStack, fleet: BotFleet, options: ScenarioOptions): Promise<Injected>;
  /** A fault with a length of its own (a store outage): resolves once it is over. Recovery is measured after it. */
  over?(stack: BenchStack, injected: Injected): Promise<void>;
  /** Undoes what must be undone before the run ends (thaw a frozen node). */
  after?(stack: BenchStack, injected: Injected): Promise<void>;
  /** Whether the target's players in `mode` lose their connection at all (default: yes); if not, the run does not wait for losses. */
  losesPlayers?(mode: 'stateful' | 'checkpointed'): boolean;
  /** Network faults: run with fencing on and off unless asked otherwise. */
  network?: boolean;
  /** The store the run's cluster uses (default single; `ha`: a primary, a replica, three Sentinels). */
  store?: 'single' | 'ha';
}

/** What store-failover read around its kill (kept out of `Injected`, which goes into the report as JSON). */
export interface FailoverMarks {
  oldPort: number;
  replicaPort: number;
  /** Epoch ms once the SIGKILLed primary had exited. */
  killedAt: number;
  /** Every checkpointed room on the old primary just before the kill, and its replication offset. */
  acked: { marks: Map<string, CheckpointMark>; offset: number };
  /** The same rooms on the replica after the kill, before its promotion (nothing writes to it meanwhile). */
  held: { marks: Map<string, CheckpointMark>; offset: number } | null;
  promotedAt: number | null;
}
const failovers = new WeakMap<Injected, FailoverMarks>();
export const failoverMarks = (injected: Injected): FailoverMarks | undefined => failovers.get(injected);

function fmtMs(ms: number): string {
  return ms >= 1000 ? `${+(ms / 1000).toFixed(1)} s` : `${ms} ms`;
}

/** The node hosting the most bots in play right now (ties: lowest id), so the fault hits someone. */
export function busiestNode(fleet: BotFleet): string {
  const counts = Object.entries(fleet.byNode()).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const first = counts[0];
  if (!first) throw new Error('no bot is in play on any node: nothing to fault');
  return first[0];
}

function hostFault(name: string, fault: 'kill' | 'freeze' | 'drain', summary: string): Scenario {
  return {
    name,
    summary,
    async inject(stack, fleet) {
      const target = busiestNode(fleet);
      const at = Date.now();
      const description = await stack.cluster!.inject(fault, target);
      return { target, kind: 'node', at, description };
    },
    ...(fault === 'freeze' ? {
      async after(stack: BenchStack, injected: Injected) {
        const child = stack.cluster!.get(injected.target);
        if (child.state === 'frozen') await stack.cluster!.inject('thaw', injected.target);
      },
    } : {}),
  };
}

/** Redis down this long in the redis-restart scenario, unless `--outage` says otherwise. */
export const REDIS_DOWN_MS = 1000;

/** The store's return, per injected fault (kept out of `Injected`, which goes into the report as JSON). */
const storeReturns = new WeakMap<Injected, Promise<number>>();

/** How long a network fault lasts before it is healed, unless `--outage` says otherwise: past the 1.2 s TTL, so a peer restores. */
export const NETWORK_FAULT_MS = 3000;

/**
 * A network fault through the fault points on the busiest node (or the store), healed after its length
 * (`over`): recovery is measured from the fault, the results and the history after the heal.
 */
function networkFault(name: string, fault: 'partition' | 'isolate' | 'slow', summary: string, options: { store?: boolean; ms?: number; losesPlayers: (mode: 'stateful' | 'checkpointed') => boolean }): Scenario {
  const healAt = new WeakMap<Injected, number>();
  return {
    name,
    summary,
    network: true,
    losesPlayers: options.losesPlayers,
    async inject(stack, fleet, scenarioOptions) {
      const target = options.store ? 'redis' : busiestNode(fleet);
      const at = Date.now();
      const description = await stack.cluster!.inject(fault, target, options.ms === undefined ? {} : { ms: options.ms });
      const injected: Injected = { target, kind: options.store ? 'redis' : 'node', at, description };
      healAt.set(injected, at + (scenarioOptions.outageMs ?? NETWORK_FAULT_MS));
      return injected;
    },
    async over(stack, injected) {
      await new Promise((r) => setTimeout(r, Math.max(0, healAt.get(injected)! - Date.now())));
      await stack.cluster!.inject('heal', injected.target);
      injected.healedAt = Date.now();
    },
  };
}

export const SCENARIOS: Record<string, Scenario> = {
  'kill-host': hostFault('kill-host', 'kill', 'SIGKILL the game node hosting the most bots (a crash)'),
  'freeze-host': hostFault('freeze-host', 'freeze', 'SIGSTOP the game node hosting the most bots (a hung host), thawed after recovery'),
  'drain-host': hostFault('drain-host', 'drain', 'SIGTERM the game node hosting the most bots (a planned shutdown)'),
  'kill-api': {
    name: 'kill-api',
    summary: 'SIGKILL API instance api-1 (bots and probes fail over to api-2)',
    async inject(stack) {
      const at = Date.now();
      const description = await stack.cluster!.inject('kill', 'api-1');
      return { target: 'api-1', kind: 'api', at, description };
    },
  },
  'redis-restart': {
    name: 'redis-restart',
    summary: `Stop Redis (SIGTERM, down ${REDIS_DOWN_MS} ms or --outage, then started again on the same port with its append-only file)`,
    async inject(stack, _fleet, options) {
      const outageMs = options.outageMs ?? REDIS_DOWN_MS;
      const at = Date.now();
      await stack.stopRedis('SIGTERM');
      const injected: Injected = { target: 'redis', kind: 'redis', at, outageMs, description: `redis stopped (SIGTERM) for ${fmtMs(outageMs)}, then restarted` };
      const back = new Promise<void>((r) => setTimeout(r, Math.max(0, at + outageMs - Date.now())))
        .then(() => stack.startRedis())
        .then(() => Date.now());
      back.catch(() => {}); // `over` awaits it and fails the run; a run that failed before then must not leave it unhandled
      storeReturns.set(injected, back);
      return injected;
    },
    async over(_stack, injected) {
      injected.storeBackAt = await storeReturns.get(injected);
    },
  },
  'store-failover': {
    name: 'store-failover',
    summary: 'SIGKILL the replicated store\'s primary (a primary, a replica, three Sentinels); a Sentinel promotes the replica',
    store: 'ha',
    // Nobody's connection depends on the store: stateful plays on, checkpointed pauses in place.
    losesPlayers: () => false,
    async inject(stack) {
      const store = stack.sentinel;
      if (!store) throw new Error('store-failover needs the replicated store (BenchStack store: ha)');
      const oldPort = await primaryPort(store);
      const replicaPort = store.members().find((m) => m.role !== 'sentinel' && m.port !== oldPort)!.port;
      // The last checkpoints the old primary acknowledged: read right before the kill (a save landing
      // in the few ms between this read and the SIGKILL is not seen; at one per 250 ms per room, rare).
      const acked = await readCheckpoints(oldPort);
      const at = Date.now();
      const description = await stack.cluster!.inject('kill', PRIMARY_ID);
      const injected: Injected = { target: PRIMARY_ID, kind: 'redis', at, description };
      failovers.set(injected, { oldPort, replicaPort, killedAt: Date.now(), acked, held: null, promotedAt: null });
      return injected;
    },
    async over(stack, injected) {
      const f = failovers.get(injected)!;
      // Let the bytes already on their way to the replica land; it is promoted no sooner than 1 s after the kill.
      await new Promise((r) => setTimeout(r, 200));
      f.held = await readCheckpoints(f.replicaPort, [...f.acked.marks.keys()]);
      f.promotedAt = await promotion(stack.sentinel!, f.oldPort, 15_000);
      if (f.promotedAt === null) throw new Error('no Sentinel promoted the replica within 15 s');
      // Recovery (checkpoints saved again, the API answering) is measured from the promotion.
      injected.storeBackAt = f.promotedAt;
    },
  },
  'partition-host': networkFault('partition-host', 'partition',
    `Cut the game node hosting the most bots off from the store (its players still reach it) for ${NETWORK_FAULT_MS / 1000} s or --outage, then heal`,
    { losesPlayers: (mode) => mode === 'checkpointed' }),
  'isolate-host': networkFault('isolate-host', 'isolate',
    `Cut the game node hosting the most bots off from the store and its players for ${NETWORK_FAULT_MS / 1000} s or --outage, then heal`,
    { losesPlayers: () => true }),
  'slow-store': networkFault('slow-store', 'slow',
    `Add 300 ms each way between the game node hosting the most bots and the store for ${NETWORK_FAULT_MS / 1000} s or --outage, then heal`,
    { ms: 300, losesPlayers: () => false }),
  'partition-redis': networkFault('partition-redis', 'partition',
    `Cut every process off from the store (Redis keeps running) for ${NETWORK_FAULT_MS / 1000} s or --outage, then heal`,
    { store: true, losesPlayers: () => false }),
};
