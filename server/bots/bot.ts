import '../common/websocket-global';
import { Client, type Room } from '@colyseus/sdk';
import {
  type MatchmakeBody, type MatchmakeResult, type RejoinResult, type SeatReservation, type Session,
} from '../../shared/api';
import { HEARTBEAT, type MatchResult, type NodeInfo, type RoomMode, type ServerMessages } from '../../shared/protocol';
import { ArenaState, type PlayerState } from '../../shared/schema';
import { BotApi, BotApiError } from './api';
import { steer } from './steer';
import { ErrorCodes } from '../../shared/errors';

/** Same heartbeat as the browser (shared/protocol.ts HEARTBEAT). */
export const PING_INTERVAL_MS = HEARTBEAT.pingMs;
export const SILENCE_MS = HEARTBEAT.silenceMs;
/** Rejoin retries while the API says "not yet" (host still alive, restore in progress). */
const REJOIN_RETRY_MS = 150;
const RETRYABLE = new Set<string>([ErrorCodes.roomRestoring, 'api/unreachable', 'http/502', 'http/503', ErrorCodes.redisUnavailable]);

export type BotPhase = 'idle' | 'joining' | 'playing' | 'recovering' | 'stopped' | 'failed';
export type LossReason = 'killed' | 'frozen' | 'left';
export type LossOutcome = 'rejoined' | 'session-lost' | 'failed' | 'pending';

/** One time a bot lost its host, and what it took to be back in play. Epoch ms throughout. */
export interface LossRecord {
  reason: LossReason;
  code: number;
  nodeId: string | null;
  roomId: string;
  mode: RoomMode;
  detectedAt: number;
  lastMessageAt: number;
  /** detectedAt minus the injected fault's time, when the bot was told it. */
  detectedMs: number | null;
  lastTick: number;
  match: number;
  /** Ticks of the current match played before the loss. */
  matchTicks: number;
  scoreBefore: number;
  outcome: LossOutcome;
  /** Why a rejoin did not happen (the API's code), if it did not. */
  lostCode: string | null;
  rejoinAttempts: number;
  backInPlayAt: number | null;
  /** backInPlayAt minus the fault time (or minus detectedAt when the fault time is unknown). */
  backInPlayMs: number | null;
  /** Time the player could not play: back in play minus the last message from the old host. */
  gapMs: number | null;
  newNodeId: string | null;
  restoredFromTick: number | null;
  epoch: number | null;
  ticksLost: number | null;
  scoreAfter: number | null;
  pointsLost: number | null;
}

export interface BotOptions {
  api: BotApi;
  name: string;
  mode: RoomMode;
  /** Epoch ms of the fault the experiment injected (null when none, or not known yet). */
  faultAt?: () => number | null;
  rejoinTimeoutMs?: number;
  /** Seats per room, asked of the API's matchmaker (players asking the same size share rooms). */
  maxPlayers?: number;
}

/**
 * A headless player: guest login and matchmaking through the real API, a seat
 * on the game node the reservation names, inputs that chase orbs, and the
 * browser's recovery path when the host goes away (rejoin in checkpointed
 * mode, a fresh match in stateful mode). Records what it saw.
 */
export class Bot {
  phase: BotPhase = 'idle';
  session: Session | null = null;
  room: Room<unknown, ArenaState> | null = null;
  node: NodeInfo | null = null;
  readonly losses: LossRecord[] = [];
  /** matchId → this player's score in the results it was shown (first time seen). */
  readonly results = new Map<string, number>();
  readonly rtts: number[] = [];
  bytesIn = 0;
  messagesIn = 0;
  inputsSent = 0;
  joins = 0;
  error: string | null = null;
  lastMessageAt = 0;
  lastTick = 0;
  score = 0;
  match = 0;
  matchStartTick = 0;
  #me: PlayerState | null = null;
  #seq = 0;
  #stopping = false;
  #pending: LossRecord | null = null;
  readonly #rejoinTimeoutMs: number;

  constructor(readonly options: BotOptions) {
    this.#rejoinTimeoutMs = options.rejoinTimeoutMs ?? 10_000;
  }

  get playerId(): string | null {
    return this.session?.playerId ?? null;
  }

  get inPlay(): boolean {
    return this.phase === 'playing' && this.#me !== null;
  }

  /** Logs in and takes a seat. Rejects if it cannot. */
  async start(): Promise<void> {
    this.phase = 'joining';
    try {
      this.session = await this.options.api.request<Session>('POST', '/v1/auth/guest', { body: { name: this.options.name }, route: 'POST /v1/auth/guest' });
      await this.#matchmake();
    } catch (err) {
      this.phase = 'failed';
      this.error = message(err);
      throw err;
    }
  }

  /** One fixed step: steer towards the best orb. Called by the fleet at the tick rate. */
  step(): void {
    const room = this.room;
    const me = this.#me;
    if (this.phase !== 'playing' || !room || !me || this.#stopping) return;
    const { dx, dy } = steer(me, room.state.orbs.values());
    this.#seq++;
    this.inputsSent++;
    room.send('input', { seq: this.#seq, dx, dy });
  }

  /** Calls a silent host frozen (any message is a sign of life). Called at least every HEARTBEAT.checkMs. */
  checkSilence(): void {
    const room = this.room;
    if (this.phase !== 'playing' || !room || this.#stopping) return;
    // A SIGSTOPped host keeps the socket open and says nothing: silence is the only sign.
    if (Date.now() - this.lastMessageAt <= SILENCE_MS) return;
    this.#lose('frozen', 4408);
    try {
      room.connection.close();
    } catch {
      // already closed
    }
  }

  /** Measures the round trip (every PING_INTERVAL_MS), as the browser does. */
  ping(): void {
    const room = this.room;
    if (this.phase !== 'playing' || !room || this.#stopping) return;
    room.send('ping', { t: performance.now() });
  }

  /** Leaves once the room is between matches (so every point scored is in a recorded result), or at `deadline`. */
  async stop(deadline = Date.now()): Promise<void> {
    while (!this.#stopping && Date.now() < deadline && (this.phase === 'recovering' || this.phase === 'joining' || (this.phase === 'playing' && this.room?.state.phase !== 'results'))) {
      await sleep(50);
    }
    this.#stopping = true;
    const room = this.room;
    this.room = null;
    if (this.phase !== 'failed') this.phase = 'stopped';
    if (this.#pending && this.#pending.outcome === 'pending') this.#pending.outcome = 'failed';
    await room?.leave(true).catch(() => undefined);
  }

  async #matchmake(): Promise<void> {
    const body: MatchmakeBody = { mode: this.options.mode, ...(this.options.maxPlayers ? { maxPlayers: this.options.maxPlayers } : {}) };
    const { reservation } = await this.#authorized<MatchmakeResult>('POST', '/v1/matchmake', body, 'POST /v1/matchmake');
    if (!reservation) throw new Error('no seat');
    await this.#join(reservation as SeatReservation);
  }

  async #authorized<T>(method: 'GET' | 'POST', path: string, body: unknown, route: string): Promise<T> {
    return this.options.api.request<T>(method, path, { body, token: this.session!.accessToken, route });
  }

  async #join(reservation: SeatReservation): Promise<void> {
    const client = new Client(`http://${reservation.publicAddress}`);
    const room = await client.consumeSeatReservation(reservation as Parameters<Client['consumeSeatReservation']>[0], ArenaState) as Room<unknown, ArenaState>;
    if (this.#stopping) {
      await room.leave(true).catch(() => undefined);
      return;
    }
    this.joins++;
    this.room = room;
    this.#me = null;
    this.lastMessageAt = Date.now();
    // Fail over ourselves, as the browser does, rather than let the SDK retry a dead address for a minute.
    room.reconnection.enabled = false;
    const ws = (room.connection.transport as unknown as { ws?: { addEventListener?: (t: string, l: (e: { data: unknown }) => void) => void } }).ws;
    ws?.addEventListener?.('message', (e) => {
      this.messagesIn++;
      const data = e.data as ArrayBuffer | Buffer | string;
      this.bytesIn += typeof data === 'string' ? data.length : data.byteLength;
    });
    room.onMessage('node', (info: ServerMessages['node']) => {
      this.#heard(room);
      this.node = info;
    });
    room.onMessage('pong', (p: ServerMessages['pong']) => {
      this.#heard(room);
      if (this.rtts.length < 100_000) this.rtts.push(Math.max(0, performance.now() - p.t));
    });
    room.onMessage('error', () => this.#heard(room));
    room.onMessage('results', (r: ServerMessages['results']) => {
      this.#heard(room);
      this.#onResults(r);
    });
    room.onStateChange((state) => {
      if (this.room !== room) return;
      this.#heard(room);
      this.#onPatch(room, state);
    });
    room.onDrop((code) => this.room === room && this.#onClosed(code));
    room.onLeave((code) => this.room === room && this.#onClosed(code));
    this.phase = 'playing';
  }

  #heard(room: Room<unknown, ArenaState>): void {
    if (this.room === room) this.lastMessageAt = Date.now();
  }

  #onPatch(room: Room<unknown, ArenaState>, state: ArenaState): void {
    let me = state.players.get(room.sessionId) ?? null;
    if (!me || me.playerId !== this.playerId) {
      me = null;
      // A restored room may key the player differently; the playerId is what survives.
      state.players.forEach((p) => {
        if (p.playerId === this.playerId) me = p;
      });
    }
    this.#me = me;
    this.lastTick = state.tick;
    if (state.match !== this.match) {
      this.match = state.match;
      this.matchStartTick = state.tick;
    }
    if (!me) return;
    this.score = (me as PlayerState).score;
    const loss = this.#pending;
    if (loss && loss.outcome !== 'pending' && loss.backInPlayAt === null) {
      const now = Date.now();
      loss.backInPlayAt = now;
      const fault = this.options.faultAt?.() ?? null;
      loss.backInPlayMs = now - (fault ?? loss.detectedAt);
      loss.gapMs = now - loss.lastMessageAt;
      loss.scoreAfter = this.score;
      if (loss.outcome === 'rejoined') {
        loss.pointsLost = loss.match === state.match ? Math.max(0, loss.scoreBefore - this.score) : null;
        loss.ticksLost = loss.restoredFromTick === null ? 0 : Math.max(0, loss.lastTick - loss.restoredFromTick);
      }
      this.#pending = null;
    }
  }

  #onResults(result: MatchResult): void {
    const mine = result.standings.find((s) => s.playerId === this.playerId);
    if (mine && !this.results.has(result.matchId)) this.results.set(result.matchId, mine.score);
  }

  #onClosed(code: number): void {
    // 1000 or a 4xxx code is the host closing on purpose (drain); anything else is a dead process.
    const deliberate = code === 1000 || (code >= 4000 && code < 5000);
    this.#lose(deliberate ? 'left' : 'killed', code);
  }

  #lose(reason: LossReason, code: number): void {
    if (this.#stopping || this.phase !== 'playing' || !this.room) return;
    const room = this.room;
    this.room = null;
    this.#me = null;
    this.phase = 'recovering';
    const detectedAt = Date.now();
    const fault = this.options.faultAt?.() ?? null;
    const loss: LossRecord = {
      reason, code, nodeId: this.node?.nodeId ?? null, roomId: room.roomId, mode: this.options.mode,
      detectedAt, lastMessageAt: this.lastMessageAt, detectedMs: fault === null ? null : detectedAt - fault,
      lastTick: this.lastTick, match: this.match, matchTicks: this.lastTick - this.matchStartTick, scoreBefore: this.score,
      outcome: 'pending', lostCode: null, rejoinAttempts: 0, backInPlayAt: null, backInPlayMs: null, gapMs: null,
      newNodeId: null, restoredFromTick: null, epoch: null, ticksLost: null, scoreAfter: null, pointsLost: null,
    };
    this.losses.push(loss);
    this.#pending = loss;
    void this.#recover(loss).catch((err: unknown) => {
      loss.outcome = 'failed';
      this.error = message(err);
      this.phase = 'failed';
    });
  }

  async #recover(loss: LossRecord): Promise<void> {
    const deadline = Date.now() + this.#rejoinTimeoutMs;
    if (loss.mode === 'checkpointed') {
      while (!this.#stopping && Date.now() < deadline) {
        loss.rejoinAttempts++;
        try {
          const r = await this.#authorized<RejoinResult>('POST', `/v1/rooms/${encodeURIComponent(loss.roomId)}/rejoin`, undefined, 'POST /v1/rooms/:roomId/rejoin');
          loss.newNodeId = r.nodeId;
          loss.epoch = r.epoch;
          loss.restoredFromTick = r.restoredFromTick;
          loss.outcome = 'rejoined';
          try {
            await this.#join(r.reservation);
            return;
          } catch {
            // The reservation's node died too, or the seat expired: ask again.
            loss.outcome = 'pending';
          }
        } catch (err) {
          if (!(err instanceof BotApiError) || !RETRYABLE.has(err.code)) {
            loss.lostCode = err instanceof BotApiError ? err.code : message(err);
            break;
          }
        }
        await sleep(REJOIN_RETRY_MS);
      }
      loss.lostCode ??= 'rejoin/timeout';
    }
    // Stateful (or the checkpoint is gone): the session is lost; play on in a new match.
    loss.outcome = 'session-lost';
    loss.pointsLost = loss.scoreBefore;
    loss.ticksLost = loss.matchTicks;
    const until = Date.now() + this.#rejoinTimeoutMs;
    for (;;) {
      if (this.#stopping) return;
      try {
        await this.#matchmake();
        return;
      } catch (err) {
        if (Date.now() > until) throw err;
        await sleep(REJOIN_RETRY_MS * 2);
      }
    }
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
