import type { BenchStack } from '../support/stack';
import type { BotFleet } from '../../server/bots/fleet';

/** What a scenario did, for the report. */
export interface Injected {
  /** Process the fault hit: a node id, an API id, or 'redis'. */
  target: string;
  kind: 'node' | 'api' | 'redis';
  /** Epoch ms when the fault was injected. */
  at: number;
  description: string;
}

export interface Scenario {
  name: string;
  summary: string;
  /** Injects the fault. */
  inject(stack: BenchStack, fleet: BotFleet): Promise<Injected>;
  /** Undoes what must be undone before the run ends (thaw a frozen node). */
  after?(stack: BenchStack, injected: Injected): Promise<void>;
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

/** Redis down this long in the redis-restart scenario. */
export const REDIS_DOWN_MS = 1000;

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
    summary: `Restart Redis (SIGTERM, down ${REDIS_DOWN_MS} ms, same port and append-only file)`,
    async inject(stack) {
      const at = Date.now();
      await stack.stopRedis('SIGTERM');
      setTimeout(() => void stack.startRedis(), Math.max(0, at + REDIS_DOWN_MS - Date.now()));
      return { target: 'redis', kind: 'redis', at, description: `redis stopped (SIGTERM), restarting in ${REDIS_DOWN_MS} ms` };
    },
    async after(stack) {
      for (let i = 0; i < 100 && !stack.redis; i++) await new Promise((r) => setTimeout(r, 50));
    },
  },
};
