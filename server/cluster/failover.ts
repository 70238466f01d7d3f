import { matchMaker, requestFromIPC } from '@colyseus/core';
import type { Redis } from 'ioredis';
import { ARENA_ROOM } from '../../shared/protocol';
import { CodedError } from '../../shared/errors';
import type { Logger } from '../common/logger';
import type { CheckpointStore, RoomHost } from '../stores';
import { HEARTBEAT_TTL_MS, answers, liveCandidates, liveProcesses, nextLapseMs, sweepDeadProcesses } from './liveness';
import { connectedForMs } from '../common/redis';
import type { ArenaCreateOptions } from './seats';

/** Long enough for a restore (load + claim + first save, ~10 ms measured), short enough to retry a crashed restorer. */
export const RESTORE_LEASE_MS = 5000;

/** A host that has not created the room by then is taken as stalled, and the next live node is asked. */
const CREATE_TIMEOUT_MS = 1500;
/** Hosts tried per restore: with 1.5 s each this stays inside the restore lease. */
const CREATE_ATTEMPTS = 3;
/**
 * How long a rejoin waits for a restore another caller is running (load + claim + first save,
 * ~10-30 ms) before it answers room/restoring. Answering at once sent every other player of the
 * room back to their 100 ms retry: most of a kill's 237-276 ms back in play was those retries.
 */
export const RESTORE_WAIT_MS = 400;
const RESTORE_POLL_MS = 5;
/** A live host's key this close to lapsing means its beats stopped: a rejoin waits for the lapse. */
const LAPSE_WAIT_MS = 300;

export type RoomUnavailableCode = 'room/lost' | 'room/restoring';

/** The room cannot be joined right now (`room/restoring`: retry shortly) or ever (`room/lost`). */
export class RoomUnavailableError extends CodedError<RoomUnavailableCode> {}

export interface FailoverDeps {
  checkpoints: CheckpointStore;
  /** null in one-process mode, where the only host is this process. */
  redis: Redis | null;
  /** Names the caller in restore leases (for logs and debugging). */
  owner: string;
}

/**
 * Makes sure a checkpointed room has a live host and returns it: the current
 * one if it is alive, or a copy restored from the newest checkpoint on a live
 * node. Any number of callers may race here (players rejoining through
 * different API instances): a lease lets exactly one of them restore, and the
 * others get `room/restoring` and retry.
 */
export async function ensureRoomHosted(deps: FailoverDeps, roomId: string, waitMs = RESTORE_WAIT_MS): Promise<RoomHost> {
  const [host, restoring] = await Promise.all([deps.checkpoints.host(roomId), deps.checkpoints.restoring(roomId)]);
  if (!host) throw new RoomUnavailableError('room/lost', `Room ${roomId} is gone: it was not checkpointed, or it ended.`);
  // The epoch whose host we judged dead (null: we only found a restore under way).
  let dead: number | null = host.epoch;
  const live = await isLive(deps, host);
  // A copy being restored claims the room (names itself its host) in its create, and Colyseus
  // lists a new room before it subscribes to the room's seat requests: a seat asked before then
  // is lost (a 1.5 s timeout). It is joinable once its restorer has let go of the lease: a live
  // host under a held lease is waited for, below.
  if (live && restoring) dead = null;
  else if (live) {
    // A player who found the host silent may ask a moment before its key lapses. A host that close
    // to lapsing has stopped beating (see nextLapseMs): wait for the lapse and restore, rather than
    // send the player to a frozen host (a 1.5 s seat timeout, then a retry). Never before the TTL.
    const lapse = deps.redis ? await nextLapseMs(deps.redis, '', LAPSE_WAIT_MS, [host.processId]) : null;
    if (lapse === null) return host;
    await new Promise((r) => setTimeout(r, lapse + 2));
    if (await isLive(deps, host)) return host; // it beat after all
  }
  // Just back from a store outage: the host may be alive and not have beaten yet. Judge it in a moment.
  if (dead !== null && deps.redis && connectedForMs(deps.redis) < HEARTBEAT_TTL_MS) {
    throw new RoomUnavailableError('room/restoring', `The store just came back; room ${roomId}'s host gets a heartbeat's time to show it is alive. Retry in a moment.`);
  }

  const lease = await leaseOrRestored(deps, roomId, dead, waitMs);
  if (lease !== 'leased') {
    if (lease !== 'busy') return lease;
    throw new RoomUnavailableError('room/restoring', `Room ${roomId} is being restored on another node; retry in a moment.`);
  }
  try {
    // Someone may have restored it between our first look and our lease.
    const now = await deps.checkpoints.host(roomId);
    if (now && now.epoch !== dead && (await isLive(deps, now))) return now;
    // The dead host's listing must go before the new one is written (a sweep after it would take the
    // new one too); it goes while a node is picked and probed.
    const swept = deps.redis ? sweepDeadProcesses(deps.redis, matchMaker.processId) : null;
    await createOnLiveNode(deps, { mode: 'checkpointed', restore: roomId }, { before: swept }).catch((err: unknown) => {
      // Whatever went wrong, the checkpoint is still there: the caller may try again (409), not give up (500).
      throw err instanceof RoomUnavailableError ? err : new RoomUnavailableError('room/restoring', `Room ${roomId} could not be restored yet; retry in a moment.`, { cause: err });
    });
    const restored = await deps.checkpoints.host(roomId);
    if (!restored) throw new RoomUnavailableError('room/lost', `Room ${roomId} vanished while it was being restored.`);
    return restored;
  } finally {
    await deps.checkpoints.release(roomId, deps.owner);
  }
}

/**
 * {@link ensureRoomHosted}, shared by every caller in this process asking for the same room while
 * a call is under way: after a crash all of a room's players ask at once, and one look (and at
 * most one wait for the restore) answers them all, instead of each polling the store.
 */
export function roomHoster(deps: FailoverDeps): (roomId: string) => Promise<RoomHost> {
  const pending = new Map<string, Promise<RoomHost>>();
  return (roomId) => {
    let hosted = pending.get(roomId);
    if (!hosted) {
      hosted = ensureRoomHosted(deps, roomId).finally(() => pending.delete(roomId));
      pending.set(roomId, hosted);
    }
    return hosted;
  };
}

/**
 * Restores every checkpointed room hosted by the given dead processes, at once,
 * before any player asks (their rejoins would restore on demand too; the lease
 * keeps it to one restore whoever comes first). Never throws.
 */
export async function restoreRoomsOf(deps: FailoverDeps, deadProcessIds: string[], log: Logger): Promise<void> {
  const dead = new Set(deadProcessIds);
  const orphans = (await deps.checkpoints.list()).filter((room) => dead.has(room.processId));
  // No waiting on a restore someone else runs: whoever holds the lease finishes it.
  await Promise.all(orphans.map((room) => ensureRoomHosted(deps, room.roomId, 0).then(
    (host) => log.info({ roomId: room.roomId, nodeId: host.nodeId, epoch: host.epoch }, 'orphaned room restored'),
    (err: unknown) => {
      // Someone else is restoring it, or it ended: both fine.
      if (!(err instanceof RoomUnavailableError)) log.warn({ err, roomId: room.roomId }, 'could not restore an orphaned room');
    },
  )));
}

export interface CreateOnLiveNodeOptions {
  /** A process that must not host the room (this one, while it drains). */
  exclude?: string | null;
  /** Awaited after a node is chosen and before it is asked to create the room. */
  before?: Promise<unknown> | null;
  timeoutMs?: number;
  attempts?: number;
}

/**
 * Creates an arena room on a live game node chosen for it, never anywhere
 * else. Unlike `matchMaker.createRoom`, a create request that times out (the
 * host froze before its key lapsed) is not turned into a room in the caller's
 * own process, which may be an API instance or a draining node: it is sent to
 * the next live node. Throws `room/restoring` when no node took it.
 */
export async function createOnLiveNode(deps: Pick<FailoverDeps, 'redis'>, options: ArenaCreateOptions, opts: CreateOnLiveNodeOptions = {}): Promise<void> {
  const { exclude = null, timeoutMs = CREATE_TIMEOUT_MS, attempts = CREATE_ATTEMPTS } = opts;
  const before = opts.before ?? null;
  before?.catch(() => {}); // its rejection is thrown where it is awaited below, and unhandled nowhere if no node is found
  // One-process mode: this process is the only host there is.
  if (!deps.redis) {
    await before;
    await matchMaker.handleCreateRoom(ARENA_ROOM, options);
    return;
  }
  const stalled = new Set<string>(exclude ? [exclude] : []);
  for (let attempt = 0; attempt < attempts; attempt++) {
    const [target] = await liveCandidates(deps.redis, stalled);
    if (!target) break;
    if (target === matchMaker.processId) {
      await before;
      await matchMaker.handleCreateRoom(ARENA_ROOM, options);
      return;
    }
    // A frozen host is found out in one short probe, not one full create timeout.
    if (!(await answers(target))) {
      stalled.add(target);
      continue;
    }
    await before;
    try {
      await requestFromIPC(matchMaker.presence, `p:${target}`, undefined, [ARENA_ROOM, options], timeoutMs);
      return;
    } catch (err) {
      if (!(err instanceof Error && err.message === 'ipc_timeout')) throw err;
      stalled.add(target);
    }
  }
  throw new RoomUnavailableError('room/restoring', `No live game node took the room${stalled.size ? ` (${stalled.size} did not answer)` : ''}; retry in a moment.`);
}

/**
 * The restore lease, or the restored room. While another caller holds the lease, every few ms
 * for up to `waitMs` ('busy' after it): the room, returned once the lease is let go and the room
 * has a live host under another epoch than `deadEpoch`, else the lease again ('leased': its holder
 * gave up, or finished between our looks, which the caller's check right after the lease finds).
 * Taking the lease to find the room restored queued the room's other players behind it one at a
 * time, ~12 ms each; a live host whose lease is still held may not be listening yet (see above).
 */
async function leaseOrRestored(deps: FailoverDeps, roomId: string, deadEpoch: number | null, waitMs: number): Promise<RoomHost | 'leased' | 'busy'> {
  const deadline = performance.now() + waitMs;
  for (;;) {
    if (await deps.checkpoints.lease(roomId, deps.owner, RESTORE_LEASE_MS)) return 'leased';
    if (performance.now() + RESTORE_POLL_MS > deadline) return 'busy';
    await new Promise((r) => setTimeout(r, RESTORE_POLL_MS));
    const [now, restoring] = await Promise.all([deps.checkpoints.host(roomId), deps.checkpoints.restoring(roomId)]);
    if (now && !restoring && now.epoch !== deadEpoch && (await isLive(deps, now))) return now;
  }
}

async function isLive(deps: FailoverDeps, host: RoomHost): Promise<boolean> {
  if (!deps.redis) return host.processId === matchMaker.processId;
  return (await liveProcesses(deps.redis, [host.processId])).has(host.processId);
}
