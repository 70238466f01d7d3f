import { Room, ServerError, matchMaker, type Client } from '@colyseus/core';
import { ArenaState, OrbState, PlayerState } from '../../../shared/schema';
import {
  ClientMessages, CloseCodes,
  type InputMessage, type MatchResult, type RoomMode, type ServerMessages,
} from '../../../shared/protocol';
import {
  advanceClock, movePlayer, orbValue, pickColor, spawnOrb, spawnPoint, touches, type Phase,
} from '../../../shared/rules/arena';
import { ErrorCodes, type ErrorCode } from '../../../shared/errors';
import { Rng } from '../../../shared/rules/rng';
import type { ArenaContext } from '../context';
import { RoomCheckpoints } from './checkpoints';
import { copyPlayer } from './snapshot';
import { authenticateSeat, type ArenaCreateOptions, type Seat } from '../../cluster/seats';

export { ARENA_FILTERS, type ArenaCreateOptions } from '../../cluster/seats';

/** Inputs buffered per player beyond this are dropped (oldest first): bounds memory and catch-up speed. */
const MAX_QUEUED_INPUTS = 6;
/** How long a dropped player's place (score, position) is kept in a checkpointed room for them to rejoin. */
const REJOIN_GRACE_MS = 20_000;
/** A gap this long between two steps means this process was frozen: check the fence before playing on. */
const FROZEN_GAP_MS = 1000;

interface PlayerRuntime {
  queue: InputMessage[];
  lastSeq: number;
}

/**
 * One arena match, authoritative at a fixed timestep. Messages are validated at
 * the edge; the rules in `shared/rules` do the rest. In `checkpointed` mode the
 * state is also snapshotted to Redis (see {@link RoomCheckpoints}) so another
 * node can carry the match on. Bound to its process by {@link bindArenaRoom}.
 */
export class ArenaRoom extends Room<{ state: ArenaState }> {
  static context: ArenaContext;

  override maxClients = 16;
  /** Inputs arrive at the tick rate plus a few pings a second; anything far beyond is abuse. */
  override maxMessagesPerSecond = 90;
  override state = new ArenaState();

  protected mode: RoomMode = 'stateful';
  /** Public for the checkpointer: its state is part of every snapshot. */
  rng = new Rng(1);
  protected readonly runtime = new Map<string, PlayerRuntime>();
  protected checkpoints: RoomCheckpoints | null = null;
  /** Simulation paused: frozen-gap fence check, hand-off, or retirement of a stale copy. */
  protected paused = false;
  protected draining = false;
  /** This copy is going away (handed off, or stale): it takes no more seats. */
  protected leaving = false;
  /** The orbs (a fixed set, respawned in place) as a plain array for the per-tick loop. */
  private orbList: OrbState[] = [];
  private readonly probe = { x: 0, y: 0 };
  private readonly handle = { drain: () => this.drain() };

  protected get ctx(): ArenaContext {
    return (this.constructor as typeof ArenaRoom).context;
  }

  override async onCreate(options: ArenaCreateOptions): Promise<void> {
    const { rules, tickRate } = this.ctx;
    this.mode = options.mode === 'checkpointed' ? 'checkpointed' : 'stateful';
    this.maxClients = Math.min(options.maxPlayers ?? rules.maxPlayers, rules.maxPlayers);
    this.rng = new Rng((Math.random() * 2 ** 32) >>> 0);

    this.state.phase = 'playing';
    this.state.match = 1;
    this.state.timeLeftMs = rules.matchMs;
    for (let i = 0; i < rules.maxOrbs; i++) {
      const orb = new OrbState();
      spawnOrb(this.rng, rules, orb);
      this.state.orbs.set(String(i), orb);
      this.orbList.push(orb);
    }

    if (this.mode === 'checkpointed') {
      if (!this.ctx.checkpoints) throw new ServerError(400, 'This node cannot host checkpointed rooms (no checkpoint store).');
      this.checkpoints = new RoomCheckpoints(this, this.ctx.checkpoints, this.ctx, () => this.retireStaleCopy());
      await this.checkpoints.start(options.restore);
      this.orbList = [...this.state.orbs.values()]; // a restore replaced them
      this.clock.setInterval(() => void this.checkpoints?.save(), this.ctx.checkpointMs);
      // Players restored from the checkpoint get a grace period to come back.
      this.state.players.forEach((p, sessionId) => this.expireIfAbsent(sessionId, p.playerId));
      this.holdWhileAwaited();
    }
    await this.setMetadata({
      mode: this.mode, nodeId: this.ctx.nodeId, maxPlayers: this.maxClients,
      epoch: this.checkpoints?.epoch ?? null, restoredFromTick: this.checkpoints?.restoredFrom?.tick ?? null,
    });

    this.onMessage('input', (client, message) => this.onInput(client, message));
    this.onMessage('ping', (client, message) => {
      const parsed = ClientMessages.ping.safeParse(message);
      if (!parsed.success) return this.refuse(client, ErrorCodes.messageInvalid, 'ping needs { t: number }');
      this.sendTo(client, 'pong', { t: parsed.data.t, serverTime: Date.now() });
    });
    this.onMessage('*', (client, type) => {
      this.refuse(client, ErrorCodes.messageUnknown, `Unknown message type "${String(type)}". Known: ${Object.keys(ClientMessages).join(', ')}.`);
    });

    const { observeTick, observeLateness } = this.ctx;
    const dtMs = 1000 / tickRate;
    let frameAt = 0;
    let lastStepAt = 0;
    this.setFixedTimestep((step) => {
      const t0 = performance.now();
      // A new frame of the loop (catch-up steps within a frame run back to back).
      if (t0 - lastStepAt > dtMs / 2) {
        const gap = frameAt > 0 ? t0 - frameAt : dtMs;
        // Lateness: how much later than one step period after the previous frame the loop ran.
        if (frameAt > 0) observeLateness?.(Math.max(0, gap - dtMs));
        // A gap this long means this process was frozen: prove the copy is still current first.
        if (gap > FROZEN_GAP_MS && this.checkpoints && !this.paused) this.checkFence();
        frameAt = t0;
      }
      lastStepAt = t0;
      this.step(step.dt, step.dtMs);
      observeTick?.(performance.now() - t0);
    }, tickRate);
    this.ctx.rooms.add(this.handle);
    this.ctx.log.info({ roomId: this.roomId, mode: this.mode, epoch: this.checkpoints?.epoch }, 'room created');
  }

  override onJoin(client: Client, _options: unknown, seat: Seat): void {
    // A player coming back to a checkpointed room gets their own player back: score, position, colour.
    let player: PlayerState | undefined;
    this.state.players.forEach((p, sessionId) => {
      if (player || p.connected || p.playerId !== seat.identity.playerId) return;
      player = copyPlayer(p, true);
      player.ack = 0; // the new connection numbers its inputs afresh
      this.state.players.delete(sessionId);
    });
    if (!player) {
      const taken: string[] = [];
      this.state.players.forEach((p) => taken.push(p.color));
      player = new PlayerState();
      player.playerId = seat.identity.playerId;
      player.name = seat.name;
      player.color = pickColor(taken);
      player.connected = true;
      spawnPoint(this.rng, this.ctx.rules, player);
    }
    this.state.players.set(client.sessionId, player);
    this.runtime.set(client.sessionId, { queue: [], lastSeq: 0 });
    this.holdWhileAwaited();

    const { nodeId, pid, startedAt, address, tickRate } = this.ctx;
    this.sendTo(client, 'node', {
      nodeId, pid, startedAt, address, roomId: this.roomId, mode: this.mode, tickRate,
      epoch: this.checkpoints?.epoch ?? null, restoredFrom: this.checkpoints?.restoredFrom ?? null,
    });
    if (this.draining) this.sendTo(client, 'draining', { nodeId });
  }

  override onLeave(client: Client, code?: number): void {
    this.runtime.delete(client.sessionId);
    const player = this.state.players.get(client.sessionId);
    // In a checkpointed room a dropped (not consented) player keeps their place for a while.
    if (this.checkpoints && player && code !== 4000) {
      player.connected = false;
      this.expireIfAbsent(client.sessionId, player.playerId);
      this.holdWhileAwaited();
      return;
    }
    this.state.players.delete(client.sessionId);
  }

  override async onDispose(): Promise<void> {
    this.ctx.rooms.delete(this.handle);
    // A room that emptied out ends for good; a drained or stale copy lives on elsewhere.
    if (this.checkpoints && !this.draining) await this.checkpoints.forget().catch(() => {});
    this.ctx.log.info({ roomId: this.roomId }, 'room disposed');
  }

  /** The node is shutting down: hand a checkpointed room over, or let a stateful match finish. */
  async drain(): Promise<void> {
    if (this.draining) return;
    this.draining = true;
    this.broadcast('draining', { nodeId: this.ctx.nodeId });
    if (!this.checkpoints) {
      await this.lock();
      return; // endMatch() closes the room when this match ends
    }
    // Zero-loss hand-off: stop simulating, take a final snapshot, send the players
    // to the room's next home, then restore it there. (Not lock(): its listing
    // update may land after the new copy's listing and lock that one.)
    this.paused = true;
    // A refused final write means this copy is already stale: it retires itself, nothing to hand over.
    if (!(await this.checkpoints.save())) return;
    await this.leave('drain'); // frees the room id for the new copy
    await matchMaker.createRoom(this.roomName, { mode: 'checkpointed', restore: this.roomId } satisfies ArenaCreateOptions);
  }

  protected expireIfAbsent(sessionId: string, playerId: string): void {
    this.clock.setTimeout(() => {
      const p = this.state.players.get(sessionId);
      if (p && !p.connected && p.playerId === playerId) this.state.players.delete(sessionId);
      this.holdWhileAwaited();
    }, REJOIN_GRACE_MS);
  }

  /** An empty room still awaiting dropped players is kept (until their grace ends), not disposed. */
  private holdWhileAwaited(): void {
    if (this.leaving) return;
    let awaited = false;
    this.state.players.forEach((p) => {
      awaited ||= !p.connected;
    });
    if (this.autoDispose === awaited) this.autoDispose = !awaited;
  }

  /** Another node now hosts this room (our epoch is stale): stop, send the players there, go away. */
  protected retireStaleCopy(): void {
    this.paused = true;
    void this.leave('stale-copy');
  }

  /**
   * The full state, schema-encoded. Reuses the full encoding Colyseus keeps for
   * joining clients (byte 0 is its protocol code): ~5× cheaper than encoding a clone.
   */
  encodeSnapshot(): Uint8Array {
    const serializer = (this as unknown as { _serializer: { getFullState(): Uint8Array } })._serializer;
    return Uint8Array.from(serializer.getFullState().subarray(1));
  }

  override hasReachedMaxClients(): boolean {
    return this.leaving || super.hasReachedMaxClients();
  }

  /** Sends every player to the room's next home and disposes this copy at once. */
  private async leave(reason: 'drain' | 'stale-copy'): Promise<void> {
    this.leaving = true;
    // Seats reserved here (e.g. requests queued while this process was frozen) would
    // keep this copy alive, and answering for the room id, until they time out.
    const internals = this as unknown as {
      _reservedSeats: Record<string, unknown>;
      _reservedSeatTimeouts: Record<string, NodeJS.Timeout>;
      resetAutoDisposeTimeout(seconds: number): void;
    };
    for (const timer of Object.values(internals._reservedSeatTimeouts)) clearTimeout(timer);
    internals._reservedSeats = {};
    internals._reservedSeatTimeouts = {};
    internals.resetAutoDisposeTimeout(0);
    this.broadcast('moved', { roomId: this.roomId, reason });
    await this.disconnect(CloseCodes.moved);
  }

  protected onInput(client: Client, message: unknown): void {
    const parsed = ClientMessages.input.safeParse(message);
    if (!parsed.success) {
      return this.refuse(client, ErrorCodes.messageInvalid, `input needs { seq: positive integer, dx: -1|0|1, dy: -1|0|1 }: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
    }
    const rt = this.runtime.get(client.sessionId);
    // Replays and out-of-order inputs are ignored, not errors: they happen on flaky links.
    if (!rt || parsed.data.seq <= rt.lastSeq) return;
    rt.lastSeq = parsed.data.seq;
    rt.queue.push(parsed.data);
    if (rt.queue.length > MAX_QUEUED_INPUTS) rt.queue.shift();
  }

  /** One fixed step: at most one input per player (so nobody outruns the speed limit), orbs, clock. */
  protected step(dt: number, dtMs: number): void {
    if (this.paused) return;

    const { rules } = this.ctx;
    const state = this.state;
    state.tick++;
    const playing = state.phase === 'playing';
    state.players.forEach((player, sessionId) => {
      const input = this.runtime.get(sessionId)?.queue.shift();
      if (!input) return;
      player.ack = input.seq;
      if (!playing) return; // between matches inputs are acknowledged but nobody moves
      movePlayer(player, input.dx, input.dy, dt, rules);
      // Plain copies: the hot loop below reads positions without schema accessors.
      const at = this.probe;
      at.x = player.x;
      at.y = player.y;
      for (const orb of this.orbList) {
        if (!touches(at, orb, rules)) continue;
        player.score += orbValue(orb, rules);
        spawnOrb(this.rng, rules, orb);
      }
    });

    const clock = advanceClock(state.phase as Phase, state.timeLeftMs, dtMs, rules);
    state.timeLeftMs = clock.timeLeftMs;
    if (!clock.changed) return;
    state.phase = clock.phase;
    if (clock.phase === 'results') this.endMatch();
    else this.startMatch();
  }

  /** After a freeze, play nothing until a fenced write proves this copy is still the live one. */
  private checkFence(): void {
    this.paused = true;
    void this.checkpoints!.save().then((current) => {
      if (current) this.paused = false;
    });
  }

  protected endMatch(): void {
    const result: MatchResult = {
      matchId: `${this.roomId}:${this.state.match}`,
      match: this.state.match,
      standings: [...this.state.players.values()]
        .map((p) => ({ playerId: p.playerId, name: p.name, score: p.score }))
        .sort((a, b) => b.score - a.score || a.name.localeCompare(b.name)),
    };
    this.broadcast('results', result);
    const sink = this.ctx.results;
    // Recorded once per match id, even if a restored copy ends the same match again.
    if (sink && result.standings.length > 0) {
      sink.record(result).catch((err: unknown) => this.ctx.log.error({ err, matchId: result.matchId }, 'could not record match results'));
    }
    void this.checkpoints?.save();
    if (this.draining && !this.checkpoints) void this.disconnect(CloseCodes.drained);
  }

  protected startMatch(): void {
    this.state.match++;
    this.state.players.forEach((p) => {
      p.score = 0;
    });
  }

  protected sendTo<K extends keyof ServerMessages>(client: Client, type: K, message: ServerMessages[K]): void {
    client.send(type, message);
  }

  protected refuse(client: Client, code: ErrorCode, message: string): void {
    this.sendTo(client, 'error', { code, message });
  }
}

/** Binds the arena room class to the process that will host or match-make it. */
export function bindArenaRoom(context: ArenaContext): typeof ArenaRoom {
  return class BoundArenaRoom extends ArenaRoom {
    static override context = context;
    // Colyseus calls static onAuth unbound, so the context is captured here.
    static override async onAuth(token: string, options: unknown): Promise<Seat> {
      return authenticateSeat(context.tokens, token, options);
    }
  };
}
