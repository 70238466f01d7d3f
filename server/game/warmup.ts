import type { AddressInfo } from 'node:net';
import { CloseCode, matchMaker, type Server } from '@colyseus/core';
import { Client, type Room } from '@colyseus/sdk';
import type { InputMessage, NodeInfo } from '../../shared/protocol';
import { MemoryCheckpointStore } from '../stores/checkpoints-memory';
import { bindArenaRoom } from './rooms/ArenaRoom';
import type { ArenaContext } from './context';
import type { Seat } from '../cluster/seats';
import { within } from '../common/within';

/** A room type of its own: matchmaking for arena rooms never finds a warm-up room. */
export const WARMUP_ROOM = 'arena-warmup';
/** Patches the warm-up player waits for in each copy (each after an input of its own). */
const PATCHES = 3;
/** A warm-up that takes longer than this is abandoned: the node serves cold rather than late. */
const WARMUP_TIMEOUT_MS = 5000;

/** What a node's warm-up did (`GameNode.warmUp`). */
export interface WarmUp {
  ms: number;
  /** State patches the warm-up player received, in both copies. */
  patches: number;
  /** The tick the second copy was restored from (null: it never was). */
  restoredFromTick: number | null;
  /** Why it stopped short (the node then serves cold), or null. */
  error: Error | null;
}

/**
 * Runs, once, the path players take onto this node when a room fails over to it: a checkpointed
 * room created and joined over a real WebSocket from loopback, inputs, patches and a snapshot,
 * then the same room restored from that snapshot and joined again. Before it, a node that had
 * never hosted a room spent 30-50 ms more on each player's join after a failover (cold code:
 * the 10-16 players of a room joined 50-65 ms after their seat, against 17-27 ms on a node that
 * had hosted rooms), and failovers go to the node with the fewest rooms: often such a node.
 *
 * The rooms use a copy of the node's context with snapshots in memory, no results and no
 * metrics, logging warnings only: no checkpoint or leaderboard key is written, and the cluster
 * map never shows them (Colyseus lists each room under its own room type while it lives).
 * Returns what it did; never throws (a node that could not warm up serves cold).
 */
export async function warmUp(server: Server, context: ArenaContext, bound: AddressInfo): Promise<WarmUp> {
  const t0 = performance.now();
  const ctx: ArenaContext = {
    ...context, checkpoints: new MemoryCheckpointStore(), results: null, rooms: new Set(),
    observeTick: undefined, observeLateness: undefined, checkpointMetrics: undefined,
    log: context.log.child({ warmUp: true }, { level: 'warn' }),
  };
  server.define(WARMUP_ROOM, bindArenaRoom(ctx));
  const seat: Seat = { identity: { playerId: 'warm-up', name: 'warm-up' }, name: 'warm-up' };
  // Straight to this node's own socket: its advertised address may be an entry point not serving it yet.
  const host = bound.address === '0.0.0.0' || bound.address === '::' ? '127.0.0.1' : bound.family === 'IPv6' ? `[${bound.address}]` : bound.address;
  const direct = `${host}:${bound.port}`;
  const client = new Client(`http://${direct}`);
  let roomId: string | null = null;
  const seen = { patches: 0, restoredFromTick: null as number | null };
  const work = async () => {
    const created = await matchMaker.handleCreateRoom(WARMUP_ROOM, { mode: 'checkpointed' });
    roomId = created.roomId;
    // The copy goes away under its player (not a consented leave): they keep their place in the snapshot.
    await play(client, created.roomId, seat, direct, seen);
    await matchMaker.getLocalRoomById(created.roomId)?.disconnect(CloseCode.SERVER_SHUTDOWN);
    const restored = await matchMaker.handleCreateRoom(WARMUP_ROOM, { mode: 'checkpointed', restore: created.roomId });
    // Back in their place; then they leave for good, and the empty room ends.
    const back = await play(client, restored.roomId, seat, direct, seen);
    await back.leave(true);
  };
  let error: Error | null = null;
  try {
    await within(work(), WARMUP_TIMEOUT_MS, () => new Error(`the warm-up took longer than ${WARMUP_TIMEOUT_MS} ms`));
  } catch (err) {
    error = err instanceof Error ? err : new Error(String(err));
  }
  // Whatever happened, no warm-up room outlives it (a room left mid-way is closed here).
  try {
    if (roomId) await matchMaker.getLocalRoomById(roomId)?.disconnect();
  } catch {
    // still being created: it ends on its own once its player leaves
  }
  return { ms: performance.now() - t0, ...seen, error };
}

/** Takes a seat in the room on this node and plays a few steps. */
async function play(client: Client, roomId: string, seat: Seat, direct: string, seen: Pick<WarmUp, 'patches' | 'restoredFromTick'>): Promise<Room> {
  const listing = (await matchMaker.findRoomsByIds([roomId])).get(roomId);
  if (!listing) throw new Error(`warm-up room ${roomId} is not listed`);
  const reservation = await matchMaker.reserveSeatFor(listing, { name: seat.name }, seat);
  // Without our schema: the SDK decodes into classes of its own making, so no decoder in this
  // process ever builds instances of the classes the rooms encode.
  const room: Room = await client.consumeSeatReservation({ ...reservation, publicAddress: direct } as Parameters<Client['consumeSeatReservation']>[0]);
  room.onMessage('*', () => {});
  room.onMessage('node', (info: NodeInfo) => {
    if (info.restoredFrom) seen.restoredFromTick = info.restoredFrom.tick;
  });
  let seq = 0;
  await new Promise<void>((resolve) => {
    room.onStateChange(() => {
      seen.patches++;
      if (++seq > PATCHES) return resolve();
      room.send('input', { seq, dx: 1, dy: seq % 2 ? 1 : 0 } satisfies InputMessage);
      room.send('ping', { t: Date.now() });
    });
  });
  return room;
}
