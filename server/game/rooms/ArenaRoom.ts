import { Room, ServerError, type Client } from '@colyseus/core';
import { ArenaState, OrbState, PlayerState } from '../../../shared/schema';
import {
  ClientMessages, ErrorCodes, JoinOptions,
  type ErrorCode, type InputMessage, type MatchResult, type RoomMode, type ServerMessages,
} from '../../../shared/protocol';
import {
  advanceClock, movePlayer, orbValue, pickColor, spawnOrb, spawnPoint, touches, type Phase,
} from '../../../shared/rules/arena';
import { Rng } from '../../../shared/rules/rng';
import { TokenError, type PlayerIdentity } from '../../common/tokens';
import type { ArenaContext } from '../context';

/** Inputs buffered per player beyond this are dropped (oldest first): bounds memory and catch-up speed. */
const MAX_QUEUED_INPUTS = 6;

interface Seat {
  identity: PlayerIdentity;
  name: string;
}

interface PlayerRuntime {
  queue: InputMessage[];
  lastSeq: number;
}

/**
 * One arena match, authoritative at a fixed timestep. Messages are validated at
 * the edge; the rules in `shared/rules` do the rest. Bound to its process's
 * {@link ArenaContext} by {@link bindArenaRoom}.
 */
export class ArenaRoom extends Room<{ state: ArenaState }> {
  static context: ArenaContext;

  override maxClients = 16;
  /** Inputs arrive at the tick rate plus a ping a few times a second; anything far beyond is abuse. */
  override maxMessagesPerSecond = 90;
  override state = new ArenaState();

  protected mode: RoomMode = 'stateful';
  protected rng = new Rng(1);
  protected readonly runtime = new Map<string, PlayerRuntime>();

  protected get ctx(): ArenaContext {
    return (this.constructor as typeof ArenaRoom).context;
  }

  override onCreate(options: { mode?: RoomMode; seed?: number }): void {
    const { rules, tickRate } = this.ctx;
    this.mode = options.mode === 'checkpointed' ? 'checkpointed' : 'stateful';
    this.maxClients = rules.maxPlayers;
    this.rng = new Rng(options.seed ?? (Math.random() * 2 ** 32) >>> 0);
    this.setMetadata({ mode: this.mode, nodeId: this.ctx.nodeId });

    this.state.phase = 'playing';
    this.state.match = 1;
    this.state.timeLeftMs = rules.matchMs;
    for (let i = 0; i < rules.maxOrbs; i++) {
      const orb = new OrbState();
      spawnOrb(this.rng, rules, orb);
      this.state.orbs.set(String(i), orb);
    }

    this.onMessage('input', (client, message) => this.onInput(client, message));
    this.onMessage('ping', (client, message) => {
      const parsed = ClientMessages.ping.safeParse(message);
      if (!parsed.success) return this.refuse(client, ErrorCodes.messageInvalid, 'ping needs { t: number }');
      this.sendTo(client, 'pong', { t: parsed.data.t, serverTime: Date.now() });
    });
    this.onMessage('*', (client, type) => {
      this.refuse(client, ErrorCodes.messageUnknown, `Unknown message type "${String(type)}". Known: ${Object.keys(ClientMessages).join(', ')}.`);
    });

    const observe = this.ctx.observeTick;
    this.setFixedTimestep(observe
      ? (step) => {
        const t0 = performance.now();
        this.step(step.dt, step.dtMs);
        observe(performance.now() - t0);
      }
      : (step) => this.step(step.dt, step.dtMs), tickRate);
    this.ctx.log.info({ roomId: this.roomId, mode: this.mode }, 'room created');
  }

  override onJoin(client: Client, _options: unknown, seat: Seat): void {
    const taken: string[] = [];
    this.state.players.forEach((p) => taken.push(p.color));
    const player = new PlayerState();
    player.playerId = seat.identity.playerId;
    player.name = seat.name;
    player.color = pickColor(taken);
    player.connected = true;
    spawnPoint(this.rng, this.ctx.rules, player);
    this.state.players.set(client.sessionId, player);
    this.runtime.set(client.sessionId, { queue: [], lastSeq: 0 });

    const { nodeId, pid, startedAt, address, tickRate } = this.ctx;
    this.sendTo(client, 'node', { nodeId, pid, startedAt, address, roomId: this.roomId, mode: this.mode, tickRate });
  }

  override onLeave(client: Client): void {
    this.state.players.delete(client.sessionId);
    this.runtime.delete(client.sessionId);
  }

  override onDispose(): void {
    this.ctx.log.info({ roomId: this.roomId }, 'room disposed');
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
    const { rules } = this.ctx;
    const state = this.state;
    state.tick++;

    if (state.phase === 'playing') {
      state.players.forEach((player, sessionId) => {
        const rt = this.runtime.get(sessionId);
        const input = rt?.queue.shift();
        if (!input) return;
        movePlayer(player, input.dx, input.dy, dt, rules);
        player.ack = input.seq;
        state.orbs.forEach((orb) => {
          if (!touches(player, orb, rules)) return;
          player.score += orbValue(orb, rules);
          spawnOrb(this.rng, rules, orb);
        });
      });
    } else {
      // Between matches inputs are acknowledged but nobody moves.
      state.players.forEach((player, sessionId) => {
        const rt = this.runtime.get(sessionId);
        const input = rt?.queue.shift();
        if (input) player.ack = input.seq;
      });
    }

    const clock = advanceClock(state.phase as Phase, state.timeLeftMs, dtMs, rules);
    state.timeLeftMs = clock.timeLeftMs;
    if (!clock.changed) return;
    state.phase = clock.phase;
    if (clock.phase === 'results') this.endMatch();
    else this.startMatch();
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
    if (sink && result.standings.length > 0) {
      sink.record(result).catch((err: unknown) => this.ctx.log.error({ err, matchId: result.matchId }, 'could not record match results'));
    }
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
      return authenticate(context, token, options);
    }
  };
}

/** Runs on the process that answered matchmaking: checks the join options and the access token. */
function authenticate(context: ArenaContext, token: string, options: unknown): Seat {
  const parsed = JoinOptions.safeParse(options ?? {});
  if (!parsed.success) {
    throw new ServerError(400, `Invalid join options: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  const raw = token || parsed.data.token;
  if (!raw) throw new ServerError(401, `${ErrorCodes.authRequired}: log in first (POST /v1/auth/guest).`);
  try {
    const identity = context.tokens.verify(raw);
    return { identity, name: parsed.data.name || identity.name };
  } catch (err) {
    if (err instanceof TokenError) throw new ServerError(401, `${err.code}: ${err.message}`);
    throw err;
  }
}
