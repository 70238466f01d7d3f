import { spawnSync } from 'node:child_process';
import { availableParallelism, setPriority } from 'node:os';

/**
 * Which core runs what in a fair measurement: the server under test alone on
 * one core, everything that loads it (bots, autocannon, Redis, the bench
 * itself) on the other, so a busy load generator never steals the server's
 * time and the other way round. `taskset -a -p` moves every thread of a running
 * process (V8's GC and libuv's pool too); children inherit their parent's set.
 */
export const CORES = { server: '0', load: '1' } as const;

let available: boolean | null = null;

/** Whether processes can be pinned here: taskset present and at least two cores. */
export function canPin(): boolean {
  if (available === null) {
    available = availableParallelism() >= 2 && spawnSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' }).status === 0;
  }
  return available;
}

/** Pins every thread of `pid` to `cpus` ('0', '1', '0-1'). False (and nothing done) where it cannot. */
export function pin(pid: number, cpus: string): boolean {
  if (!canPin()) return false;
  return spawnSync('taskset', ['-a', '-p', '-c', cpus, String(pid)], { stdio: 'ignore' }).status === 0;
}

/**
 * Raises a process above the load generators on the load core (nice -10; root only): Redis
 * there must answer heartbeats and checkpoints at once however busy the bots keep the core,
 * or leases lapse and checkpointed rooms pause, and the bench measures a starved store.
 * False where it is not allowed.
 */
export function prioritise(pid: number): boolean {
  try {
    setPriority(pid, -10);
    return true;
  } catch {
    return false;
  }
}

/** The bench's own process and everything it starts from now on go to the load core. */
export function pinSelfToLoad(): boolean {
  return pin(process.pid, CORES.load);
}

/**
 * The bench's own process and everything it starts from now on on every core again: for a
 * measurement of a whole cluster (failover), not of one server against its load.
 */
export function unpinSelf(): boolean {
  return pin(process.pid, `${CORES.server},${CORES.load}`);
}

/** A line for the report: how the cores were shared. */
export function pinningNote(): string {
  return canPin()
    ? `Pinned with taskset: the server under test alone on core ${CORES.server}; the load generators (their own processes), Redis (at nice -10, ahead of the generators, where allowed), the other servers and the bench itself on core ${CORES.load}; the failover experiments (a whole cluster) on both.`
    : `Not pinned (${availableParallelism() < 2 ? 'one core' : 'no taskset: apt-get install util-linux'}): the server under test and its load generators share every core, so its CPU and lateness figures include their competition.`;
}
