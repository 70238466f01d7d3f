import { matchMaker, requestFromIPC } from '@colyseus/core';
import type { Redis } from 'ioredis';
import { KEY_PREFIX, connectedForMs } from '../common/redis';
import type { Logger } from '../common/logger';
import type { NodeHeartbeat, NodeRegistry } from '../stores';
import type { StoreLease } from './lease';

/** A Colyseus process is alive while this key exists (refreshed with every heartbeat). */
export const processAliveKey = (processId: string): string => `${KEY_PREFIX}proc:${processId}`;

export const HEARTBEAT_INTERVAL_MS = 200;
/** A frozen node is dead to the cluster 1.0–1.2 s after it froze. */
export const HEARTBEAT_TTL_MS = 1200;
// The API sweeps before every seat too; this keeps listings tidy for in-node matchmaking and restores.
export const SWEEP_INTERVAL_MS = 250;

/**
 * Which Colyseus processes are alive. Two signals, because faults differ:
 * a SIGKILLed process's IPC channel (`p:<processId>`) vanishes the instant
 * Redis sees its socket close; a frozen (SIGSTOPped) process keeps its socket
 * open, so only its lapsed heartbeat key tells.
 */
export async function liveProcesses(redis: Redis, candidates: string[]): Promise<Set<string>> {
  return new Set((await processStates(redis, candidates)).keys());
}

/** The live processes among `candidates`, each 'alive' or 'draining' (taking no new rooms). */
export async function processStates(redis: Redis, candidates: string[]): Promise<Map<string, 'alive' | 'draining'>> {
  const states = new Map<string, 'alive' | 'draining'>();
  if (candidates.length === 0) return states;
  const [channels, beats] = await Promise.all([
    redis.pubsub('CHANNELS', 'p:*') as Promise<string[]>,
    redis.mget(candidates.map(processAliveKey)),
  ]);
  const listening = new Set(channels.map((c) => c.slice(2)));
  candidates.forEach((id, i) => {
    const beat = beats[i];
    if (listening.has(id) && beat != null) states.set(id, beat.endsWith(DRAINING) ? 'draining' : 'alive');
  });
  return states;
}

const DRAINING = '|draining';

/**
 * How long a candidate host may take to answer a health check before a room
 * goes elsewhere. Loopback IPC answers in ~1 ms and a busy node's event loop
 * runs at most ~15 ms late (p99 under 1000 bots); a frozen node never answers.
 */
export const PROBE_TIMEOUT_MS = 500;

/**
 * The live, non-draining game processes, fewest rooms first (ties by id, so
 * every caller orders them alike), leaving out `skip`. A process stays a
 * candidate until its key lapses (up to 1.2 s after it froze): see {@link answers}.
 */
export async function liveCandidates(redis: Redis, skip: ReadonlySet<string>): Promise<string[]> {
  const counts = await redis.hgetall('roomcount');
  const candidates = Object.keys(counts).filter((id) => !skip.has(id));
  const states = await processStates(redis, candidates);
  return candidates
    .filter((id) => states.get(id) === 'alive')
    .map((id) => ({ id, rooms: Number(counts[id]!.split(',')[0]) || 0 }))
    .sort((a, b) => a.rooms - b.rooms || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .map((c) => c.id);
}

/** Whether Colyseus process `processId` answers a health check on its IPC channel within `timeoutMs`. */
export async function answers(processId: string, timeoutMs = PROBE_TIMEOUT_MS): Promise<boolean> {
  if (processId === matchMaker.processId) return true;
  return requestFromIPC(matchMaker.presence, `p:${processId}`, 'healthcheck', [], timeoutMs).then(() => true, () => false);
}

/**
 * Colyseus's process selector, made safe: the live, non-draining game process
 * with the fewest rooms that answers a health check (never a dead one, never
 * `exclude`, and not a frozen one whose key has yet to lapse). Colyseus sends
 * the create request to whatever this returns and, when that request times
 * out, creates the room in the caller's own process instead; the probe keeps
 * that path for a host that froze in the millisecond since it answered.
 * Throws `noNodes()` when no candidate answers.
 */
export function liveProcessSelector(redis: Redis, exclude: () => string | null, noNodes: () => Error) {
  return async (): Promise<string> => {
    const skip = exclude();
    for (const id of await liveCandidates(redis, new Set(skip ? [skip] : []))) {
      if (await answers(id)) return id;
    }
    throw noNodes();
  };
}

/**
 * Removes every dead process's room listings and room count, so matchmaking
 * never seats anyone on it (Colyseus alone finds out lazily, after a 4–5 s
 * stall on the first join). Idempotent: every process may run it.
 * Returns the process ids it removed.
 */
export async function sweepDeadProcesses(redis: Redis, self: string): Promise<string[]> {
  const dead = await deadProcesses(redis, self);
  for (const id of dead) {
    await matchMaker.driver.cleanup?.(id);
    await redis.hdel('roomcount', id);
  }
  return dead;
}

/** The processes counted in matchmaking, other than `self`, that are not alive. */
async function deadProcesses(redis: Redis, self: string): Promise<string[]> {
  const counted = (await redis.hkeys('roomcount')).filter((id) => id !== self);
  const live = await liveProcesses(redis, counted);
  return counted.filter((id) => !live.has(id));
}

/**
 * Milliseconds until the first peer's (or the first of `among`'s) process key
 * lapses, when that is sooner than `withinMs` (the next regular sweep); null otherwise. A peer that beats has a key at
 * least TTL − interval (1.0 s) from lapsing, so this only ever names a peer whose
 * beats stopped (frozen, cut off): sweeping the moment its key lapses takes the
 * 0–250 ms wait for the next sweep out of a freeze's detection without judging
 * anyone sooner than its key says (the self-fencing margin of lease.ts stands).
 */
export async function nextLapseMs(redis: Redis, self: string, withinMs = SWEEP_INTERVAL_MS, among?: string[]): Promise<number | null> {
  const peers = (among ?? (await redis.hkeys('roomcount'))).filter((id) => id !== self);
  if (peers.length === 0) return null;
  const ttls = await Promise.all(peers.map((id) => redis.pttl(processAliveKey(id))));
  const soonest = Math.min(...ttls.filter((t) => t >= 0));
  return Number.isFinite(soonest) && soonest < withinMs ? soonest : null;
}

/**
 * A single-flight {@link sweepDeadProcesses}: callers arriving while a sweep is
 * under way share it (after a crash every lost player matchmakes at once, and
 * each would otherwise list and clean up the same dead node).
 *
 * Within a heartbeat's TTL of this connection coming up, live peers may not have
 * beaten yet (after a store outage every process reconnects at once), so nobody
 * is judged then; but skipping the sweep sent a seat asked for in that window to
 * a node killed a moment before (two 2 s IPC timeouts). So when someone looks
 * dead then, the sweep waits out the rest of the TTL and judges again.
 */
export function createSweeper(redis: Redis, self: () => string): () => Promise<string[]> {
  let inFlight: Promise<string[]> | null = null;
  const sweep = async (): Promise<string[]> => {
    const early = HEARTBEAT_TTL_MS - connectedForMs(redis);
    if (early > 0) {
      if (redis.status !== 'ready' || (await deadProcesses(redis, self())).length === 0) return [];
      await new Promise((r) => setTimeout(r, early));
    }
    return sweepDeadProcesses(redis, self());
  };
  return () => {
    inFlight ??= sweep().finally(() => {
      inFlight = null;
    });
    return inFlight;
  };
}

export interface LivenessOptions {
  redis: Redis;
  registry: NodeRegistry;
  log: Logger;
  /** Describes this node for the cluster view at each beat. */
  describe: () => NodeHeartbeat;
  /** Called with the processes this node just swept out as dead. */
  onDead?: (processIds: string[]) => void;
  /** Renewed by every heartbeat the store acknowledges (self-fencing, see lease.ts). */
  lease?: StoreLease;
  /** Called after each acknowledged heartbeat. */
  onRenewed?: () => void;
}

/**
 * Runs a game node's heartbeat (registry entry + process key, every 200 ms,
 * 1.2 s TTL) and its sweep of dead peers (every 250 ms, and at the moment a
 * silent peer's key lapses: {@link nextLapseMs}). Timers are unref'd;
 * `stop()` ends both and removes this node at once (a clean exit is not a death).
 */
export function startLiveness({ redis, registry, log, describe, onDead, lease, onRenewed }: LivenessOptions): { stop(): Promise<void>; beat(): Promise<void> } {
  const self = matchMaker.processId;
  let first = true;
  const beat = async () => {
    const node = describe();
    const sentAt = performance.now();
    const [, previous] = await Promise.all([
      registry.heartbeat(node),
      redis.set(processAliveKey(self), node.state === 'draining' ? `${node.id}${DRAINING}` : node.id, 'PX', HEARTBEAT_TTL_MS, 'GET'),
    ]);
    lease?.renewed(sentAt);
    onRenewed?.();
    if (previous === null && !first) {
      // Our key lapsed: we were stalled (frozen, starved) and peers may have swept
      // us out of matchmaking. Our rooms still run, so count them again.
      log.warn('heartbeat had lapsed: listing this node in matchmaking again');
      await matchMaker.stats.persist(true);
    }
    first = false;
    // Re-lists any room of ours whose listing is missing: swept while we were
    // stalled, or removed by a stale copy of a moved room as it disposed.
    await matchMaker.restoreMissingRoomCaches();
  };
  const sweepNow = createSweeper(redis, () => self);
  let atLapse: NodeJS.Timeout | undefined;
  const sweep = async () => {
    const removed = await sweepNow();
    if (removed.length > 0) {
      log.warn({ processIds: removed }, 'removed dead game processes from matchmaking');
      onDead?.(removed);
    }
    // A peer whose key lapses before the next sweep is swept the moment it does (+2 ms: Redis
    // expires a key when it is read after its TTL, so the read just after finds it gone).
    const lapse = atLapse ? null : await nextLapseMs(redis, self);
    if (lapse !== null) {
      atLapse = setTimeout(() => {
        atLapse = undefined;
        void sweepSafely();
      }, lapse + 2).unref();
    }
  };
  // One line per transition, not one per beat: an outage would print five a second.
  const every = (what: string, run: () => Promise<void>) => {
    let failingSince: number | null = null;
    return () => run().then(
      () => {
        if (failingSince === null) return;
        log.info({ failedForMs: Math.round(performance.now() - failingSince) }, `${what} works again`);
        failingSince = null;
      },
      (err: unknown) => {
        if (failingSince !== null) return;
        failingSince = performance.now();
        log.warn({ err: err instanceof Error ? err.message : err }, `${what} failed (logged once until it works again)`);
      },
    );
  };
  const beatNow = every('heartbeat', beat);
  const beatTimer = setInterval(beatNow, HEARTBEAT_INTERVAL_MS).unref();
  // The store is back: renew the lease at once rather than at the next beat (paused rooms resume sooner).
  const onReady = () => void beatNow();
  redis.on('ready', onReady);
  const sweepSafely = every('dead-process sweep', sweep);
  const sweepTimer = setInterval(sweepSafely, SWEEP_INTERVAL_MS).unref();
  return {
    beat,
    stop: async () => {
      clearInterval(beatTimer);
      redis.off('ready', onReady);
      clearInterval(sweepTimer);
      clearTimeout(atLapse);
      await Promise.allSettled([registry.leave(describe().id), redis.del(processAliveKey(self))]);
    },
  };
}
