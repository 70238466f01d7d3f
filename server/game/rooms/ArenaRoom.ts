import { Room, ServerError, type Client } from '@colyseus/core';
import { ArenaState, OrbState, PlayerState } from '../../../shared/schema';
import {
  ClientMessages, CloseCodes, HEARTBEAT, type InputMessage, type MatchResult, type RoomMode, type ServerMessages,
} from '../../../shared/protocol';
import { pickColor, spawnOrb, spawnPoint } from '../../../shared/rules/arena';
import { standings, stepArena } from '../../../shared/rules/step';
import { ErrorCodes, type ErrorCode } from '../../../shared/errors';
import { Rng } from '../../../shared/rules/rng';
import type { ArenaContext } from '../context';
import { authenticateSeat, type ArenaCreateOptions, type Seat } from '../../cluster/seats';
import { CheckpointedCopy } from './fencing';
import { RejoinGrace } from './grace';
import { runFixedStep } from './timing';
import { copyPlayer } from './snapshot';
import { StoreNotices } from './store-notice';
import { checkInput, inputProblem } from './input';

export { ARENA_FILTERS, type ArenaCreateOptions } from '../../cluster/seats';

/** Inputs buffered per player beyond this are dropped (oldest first): bounds memory and catch-up speed. */
const MAX_QUEUED_INPUTS = 6;

interface PlayerRuntime {
  queue: InputMessage[];
  lastSeq: number;
}

/**
 * One arena match, authoritative at a fixed timestep: the Colyseus adapter of
 * the pure rules. Messages are validated at the edge, `stepArena`
 * (shared/rules/step.ts) advances the match, and this class turns what the
 * step did into broadcasts and recorded results. In `checkpointed` mode a
 * {@link CheckpointedCopy} (fencing.ts) snapshots the state and decides
 * whether this copy may play; dropped players keep their place for a while
 * ({@link RejoinGrace}). Bound to its process by {@link bindArenaRoom}.
 */
export class ArenaRoom extends Room<{ state: ArenaState }> {
  static context: ArenaContext;

  override maxClients = 16;
  /** Inputs arrive at the tick rate plus a few pings a second; anything far beyond is abuse. */
  override maxMessagesPerSecond = 90;
  override state = new ArenaState();

  protected mode: RoomMode = 'stateful';
  /** Public for the checkpointed copy: its state is part of every snapshot. */
  rng = new Rng(1);
  protected readonly runtime = new Map<string, PlayerRuntime>();
  protected copy: CheckpointedCopy | null = null;
  protected draining = false;
  protected readonly grace = new RejoinGrace(this, () => this.copy?.leaving ?? false);
  private storeNotices!: StoreNotices;
  /** When the room last sent its players a patch or a keepalive (performance.now()). */
  private sentAt = 0;
  /** The orbs (a fixed set, respawned in place) as a plain array for the step. */
  private orbList: OrbState[] = [];
  private readonly nextInput = (sessionId: string): InputMessage | undefined => this.runtime.get(sessionId)?.queue.shift();
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
    }

    if (this.mode === 'checkpointed') {
      if (!this.ctx.checkpoints) throw new ServerError(400, 'This node cannot host checkpointed rooms (no checkpoint store).');
      this.copy = await CheckpointedCopy.open(this, this.ctx.checkpoints, this.ctx, options.restore);
      this.grace.holdAll(); // players restored from the checkpoint get a grace period to come back
    }
    this.orbList = [...this.state.orbs.values()];
    await this.setMetadata({
      mode: this.mode, nodeId: this.ctx.nodeId, maxPlayers: this.maxClients,
      epoch: this.copy?.epoch ?? null, restoredFromTick: this.copy?.restoredFrom?.tick ?? null,
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

    this.storeNotices = new StoreNotices(this.ctx, () => this.copy, (notice) => this.broadcast('store', notice));
    const { observeTick } = this.ctx;
    runFixedStep(this, tickRate, {
      step: (dtMs) => {
        const t0 = performance.now();
        this.step(dtMs);
        observeTick?.(performance.now() - t0); // the step alone: the patch's send is the network's
        if (this.broadcastPatch()) this.sentAt = t0;
      },
      frame: (gapMs) => {
        this.copy?.frame(gapMs);
        this.storeNotices.frame();
        // A room that does not play sends no patch: its players still hear it is alive (HEARTBEAT).
        const now = performance.now();
        if (now - this.sentAt >= HEARTBEAT.keepaliveMs) {
          this.sentAt = now;
          this.broadcast('alive', {} satisfies ServerMessages['alive']);
        }
      },
      observeLateness: this.ctx.observeLateness,
    });
    // The patch goes out right after the step that made it, from the step's own timer: Colyseus's
    // default is a second 20 Hz interval per room just for patches (4000 timer callbacks a second
    // at 1000 players instead of 2000), and a patch up to a step late. Only after the fixed step is
    // set: with no simulation interval yet, the setter would start a clock-ticking interval instead.
    this.patchRate = null;
    this.ctx.rooms.add(this.handle);
    this.ctx.log.info({ roomId: this.roomId, mode: this.mode, epoch: this.copy?.epoch }, 'room created');
  }

  override onJoin(client: Client, _options: unknown, seat: Seat): void {
    // One player, one seat: coming back (a dropped place in a checkpointed room) or opening the
    // room again (a second tab, a replayed seat) gives them their own player back, never a second.
    let player = this.grace.takeBack(seat.identity.playerId) ?? this.takeOver(seat.identity.playerId);
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
    this.grace.update();

    const { nodeId, pid, startedAt, address, tickRate } = this.ctx;
    this.sendTo(client, 'node', {
      nodeId, pid, startedAt, address, roomId: this.roomId, mode: this.mode, tickRate,
      epoch: this.copy?.epoch ?? null, restoredFrom: this.copy?.restoredFrom ?? null,
    });
    if (this.draining) this.sendTo(client, 'draining', { nodeId });
    const store = this.storeNotices.current();
    if (store.store === 'unreachable') this.sendTo(client, 'store', store);
  }

  /** The player's live seat under another connection, moved here; that older connection is closed. */
  private takeOver(playerId: string): PlayerState | undefined {
    let previous: string | undefined;
    this.state.players.forEach((p, sessionId) => {
      if (p.connected && p.playerId === playerId) previous = sessionId;
    });
    if (previous === undefined) return undefined;
    const player = copyPlayer(this.state.players.get(previous)!, true);
    player.ack = 0; // the new connection numbers its inputs afresh
    this.state.players.delete(previous);
    this.runtime.delete(previous);
    this.clients.getById(previous)?.leave(CloseCodes.openedElsewhere, 'You opened this match somewhere else.');
    return player;
  }

  override onLeave(client: Client, code?: number): void {
    this.runtime.delete(client.sessionId);
    const player = this.state.players.get(client.sessionId);
    // In a checkpointed room a dropped (not consented) player keeps their place for a while.
    if (this.copy && player && code !== 4000) return this.grace.hold(client.sessionId, player);
    this.state.players.delete(client.sessionId);
    this.grace.update();
  }

  override async onDispose(): Promise<void> {
    this.ctx.rooms.delete(this.handle);
    await this.copy?.disposed().catch((err: unknown) => this.ctx.log.warn({ err, roomId: this.roomId }, 'could not forget the checkpoint of an ended room'));
    this.ctx.log.info({ roomId: this.roomId }, 'room disposed');
  }

  /** The node is shutting down: hand a checkpointed room over, or let a stateful match finish. */
  async drain(): Promise<void> {
    if (this.draining) return;
    this.draining = true;
    this.broadcast('draining', { nodeId: this.ctx.nodeId });
    if (this.copy) return this.copy.handOff();
    await this.lock(); // endMatch() closes the room when this match ends
  }

  override hasReachedMaxClients(): boolean {
    return (this.copy?.leaving ?? false) || super.hasReachedMaxClients();
  }

  protected onInput(client: Client, message: unknown): void {
    // The hot message (20 a second per player): checked by hand, with exactly the zod schema's rules (input.ts).
    const input = checkInput(message);
    if (!input) {
      return this.refuse(client, ErrorCodes.messageInvalid, `input needs { seq: positive integer, dx: -1|0|1, dy: -1|0|1 }: ${inputProblem(message)}`);
    }
    const rt = this.runtime.get(client.sessionId);
    // Replays and out-of-order inputs are ignored, not errors: they happen on flaky links.
    if (!rt || input.seq <= rt.lastSeq) return;
    rt.lastSeq = input.seq;
    rt.queue.push(input);
    if (rt.queue.length > MAX_QUEUED_INPUTS) rt.queue.shift();
  }

  /** One fixed step of the rules, unless this copy may not play (fenced, handing off, stale). */
  protected step(dtMs: number): void {
    if (this.copy && !this.copy.canPlay) return;
    const event = stepArena(this.state, this.orbList, this.nextInput, dtMs, this.rng, this.ctx.rules);
    if (event === 'match-ended') this.endMatch();
  }

  protected endMatch(): void {
    const result: MatchResult = { matchId: `${this.roomId}:${this.state.match}`, match: this.state.match, standings: standings(this.state) };
    this.broadcast('results', result);
    // Recorded once per match id (even if a restored copy ends the same match again), through the
    // node's outbox: while the store is unreachable the results wait there, and the players are told.
    if (this.ctx.results && result.standings.length > 0) {
      // Fenced by epoch inside the recording script, so a stale copy's standings never win (not in the lab's FENCING=off).
      const fence = this.copy && this.ctx.fencing ? { roomId: this.roomId, epoch: this.copy.epoch } : undefined;
      this.ctx.results.submit(result, (status) => this.broadcast('recorded', { matchId: result.matchId, status }), fence);
    }
    this.copy?.matchEnded();
    if (this.draining && !this.copy) {
      this.disconnect(CloseCodes.drained).catch((err: unknown) => this.ctx.log.warn({ err, roomId: this.roomId }, 'drained room did not close cleanly'));
    }
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
