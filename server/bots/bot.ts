import '../common/websocket-global';
import type { Session } from '../../shared/api';
import { CodedError, ErrorCodes } from '../../shared/errors';
import type { MatchResult, NodeInfo, RoomMode } from '../../shared/protocol';
import type { ArenaState, PlayerState } from '../../shared/schema';
import { GameConnection, type ConnectionLoss, type JoinOptions, type LossReason } from '../../client/src/net/connection';
import { askRoom, findMatch, rejoinRoom } from '../../client/src/net/matchmaking';
import { PausedRoomFollower, type PausedSeat } from '../../client/src/net/pausedFollow';
import { followRoom, rematch, REJOIN_DEADLINE_MS } from '../../client/src/net/rejoin';
import { SessionStore } from '../../client/src/net/session';
import type { BotApi } from './api';
import { countBytesIn } from './traffic';
import { steer } from './steer';

export type { LossReason };
/**
 * Why a bot left its host: the connection's reasons, or 'store-lost': its host paused the room
 * for the store (an outage or its own partition: it cannot tell) and the bot followed the room to
 * a live copy through the API before the paused connection ended.
 */
export type BotLossReason = LossReason | 'store-lost';
export type BotPhase = 'idle' | 'joining' | 'playing' | 'recovering' | 'stopped' | 'failed';
export type LossOutcome = 'rejoined' | 'session-lost' | 'failed' | 'pending';

/** One time a bot lost its host, and what it took to be back in play. Epoch ms throughout. */
export interface LossRecord {
  reason: BotLossReason;
  /** The close code (0 for 'store-lost': the bot left the paused copy itself). */
  code: number;
  nodeId: string | null;
  roomId: string;
  mode: RoomMode;
  /** When the bot noticed ('store-lost': the first paused notice). */
  detectedAt: number;
  /** The host's last message ('store-lost': the last tick it played, as a paused host keeps talking). */
  lastMessageAt: number;
  /** detectedAt minus the injected fault's time, when the bot was told it. */
  detectedMs: number | null;
  lastTick: number;
  match: number;
  /** Ticks of the current match played before the loss. */
  matchTicks: number;
  scoreBefore: number;
  outcome: LossOutcome;
  /** Why a rejoin did not happen (the error code, or the message of an uncoded failure), if it did not. */
  lostCode: string | null;
  rejoinAttempts: number;
  /** The successful rejoin's phases: the API answered with a seat, then the socket to the new host was open. */
  seatAt: number | null;
  joinedAt: number | null;
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
  /** How long to follow a room, and to look for a new match (default: the browser's, REJOIN_DEADLINE_MS). */
  rejoinTimeoutMs?: number;
  /** Seats per room, asked of the API's matchmaker (players asking the same size share rooms). */
  maxPlayers?: number;
}

/** Epoch ms on every connection (faults are stamped with Date.now()); the fleet's timer drives the heartbeat. */
const JOIN: JoinOptions = { now: Date.now, ownTimer: false };

/**
 * A headless player on the browser's own client library (client/src/net):
 * guest login and matchmaking through the real API, a seat on the game node
 * the reservation names, the same heartbeat and close-code classification, and
 * the same recovery policy (follow a checkpointed room, rematch after a lost
 * session). What is the bot's own: steering towards orbs, and the records of
 * what it saw.
 */
export class Bot {
  phase: BotPhase = 'idle';
  readonly sessions: SessionStore;
  connection: GameConnection | null = null;
  node: NodeInfo | null = null;
  readonly losses: LossRecord[] = [];
  /**
   * matchId → this player's score in the results it was shown, and what the
   * host said of them: 'shown' until the host says they are recorded, or that
   * they were refused because that copy of the room was stale. A 'shown' result
   * is replaced if another copy ends the same match (the live copy, restored
   * from a checkpoint, replays its end: only its results can be recorded).
   */
  readonly results = new Map<string, { score: number; status: 'shown' | 'recorded' | 'stale' }>();
  readonly rtts: number[] = [];
  readonly traffic = { bytes: 0, messages: 0 };
  inputsSent = 0;
  joins = 0;
  error: string | null = null;
  lastTick = 0;
  score = 0;
  match = 0;
  matchStartTick = 0;
  #me: PlayerState | null = null;
  #seq = 0;
  #stopping = false;
  #pending: LossRecord | null = null;
  /** When the tick last moved: the last moment of play before a pause. */
  #lastTickAt = 0;
  /** Follows the current checkpointed room when its host pauses it for the store. */
  #follower: PausedRoomFollower<GameConnection> | null = null;
  readonly #deadlineMs: number;

  constructor(readonly options: BotOptions) {
    this.sessions = new SessionStore(options.api);
    this.#deadlineMs = options.rejoinTimeoutMs ?? REJOIN_DEADLINE_MS;
  }

  get session(): Session | null {
    return this.sessions.current;
  }

  get playerId(): string | null {
    return this.session?.playerId ?? null;
  }

  get inPlay(): boolean {
    return this.phase === 'playing' && this.#me !== null;
  }

  get bytesIn(): number {
    return this.traffic.bytes;
  }

  get messagesIn(): number {
    return this.traffic.messages;
  }

  /** Logs in and takes a seat. Rejects if it cannot. */
  async start(): Promise<void> {
    this.phase = 'joining';
    try {
      this.#take(await findMatch(this.sessions, this.#request(), JOIN));
    } catch (err) {
      this.phase = 'failed';
      this.error = message(err);
      throw err;
    }
  }

  /** One fixed step: steer towards the best orb. Called by the fleet at the tick rate. */
  step(): void {
    const conn = this.connection;
    const me = this.#me;
    if (this.phase !== 'playing' || !conn || !me || this.#stopping) return;
    const { dx, dy } = steer(me, conn.room.state.orbs.values());
    this.#seq++;
    this.inputsSent++;
    conn.sendInput({ seq: this.#seq, dx, dy });
  }

  /** The connection's heartbeat (silence check, ping when due). Called by the fleet at least every HEARTBEAT.checkMs. */
  heartbeat(): void {
    if (this.phase === 'playing' && !this.#stopping) this.connection?.heartbeat();
  }

  /** Leaves once the room is between matches (so every point scored is in a recorded result), or at `deadline`. */
  async stop(deadline = Date.now()): Promise<void> {
    while (!this.#stopping && Date.now() < deadline && (this.phase === 'recovering' || this.phase === 'joining' || (this.phase === 'playing' && this.connection?.room.state.phase !== 'results'))) {
      await sleep(50);
    }
    this.#stopping = true;
    this.#follower?.stop();
    const conn = this.connection;
    this.connection = null;
    if (this.phase !== 'failed') this.phase = 'stopped';
    if (this.#pending && this.#pending.outcome === 'pending') this.#pending.outcome = 'failed';
    await conn?.leave();
  }

  #request() {
    return { name: this.options.name, mode: this.options.mode, ...(this.options.maxPlayers ? { maxPlayers: this.options.maxPlayers } : {}) };
  }

  #take(conn: GameConnection): void {
    if (this.#stopping) {
      void conn.leave();
      return;
    }
    this.joins++;
    this.connection = conn;
    this.#me = null;
    this.#seq = 0;
    countBytesIn(conn.room, this.traffic);
    conn.on('node', (info) => (this.node = info));
    conn.on('ping', (rtt) => {
      if (this.rtts.length < 100_000) this.rtts.push(rtt);
    });
    conn.on('results', (r) => this.#onResults(r));
    conn.on('recorded', (n) => {
      const seen = this.results.get(n.matchId);
      if (seen && seen.status === 'shown' && n.status !== 'waiting') seen.status = n.status;
    });
    conn.on('patch', (state) => this.connection === conn && this.#onPatch(conn, state));
    conn.on('lost', (loss) => this.connection === conn && this.#lose(conn, loss));
    this.#follower?.stop();
    this.#follower = this.options.mode === 'checkpointed' ? this.#followPaused(conn) : null;
    this.phase = 'playing';
  }

  /** The browser's paused-room policy (net/pausedFollow.ts) on this connection. */
  #followPaused(conn: GameConnection): PausedRoomFollower<GameConnection> {
    const follower = new PausedRoomFollower<GameConnection>({
      copy: () => conn.node && { nodeId: conn.node.nodeId, epoch: conn.node.epoch },
      ask: () => askRoom(this.sessions, conn.roomId),
      take: (result) => GameConnection.join(result.reservation, JOIN),
      onSeated: (seat) => this.#movedFromPause(conn, seat),
      now: Date.now,
    });
    conn.on('store', (n) => this.connection === conn && follower.notice(n));
    return follower;
  }

  /** Seated on a live copy while `conn` was paused: a loss ('store-lost') already rejoined; leave the paused copy. */
  #movedFromPause(conn: GameConnection, { result, value: next, state }: PausedSeat<GameConnection>): void {
    if (this.connection !== conn || this.#stopping) {
      void next.leave();
      return;
    }
    const fault = this.options.faultAt?.() ?? null;
    const loss: LossRecord = {
      reason: 'store-lost', code: 0, nodeId: conn.node?.nodeId ?? null, roomId: conn.roomId, mode: this.options.mode,
      detectedAt: state.pausedAt, lastMessageAt: this.#lastTickAt, detectedMs: fault === null ? null : state.pausedAt - fault,
      lastTick: this.lastTick, match: this.match, matchTicks: this.lastTick - this.matchStartTick, scoreBefore: this.score,
      outcome: 'rejoined', lostCode: null, rejoinAttempts: state.attempts, seatAt: null, joinedAt: null, backInPlayAt: null, backInPlayMs: null, gapMs: null,
      newNodeId: result.nodeId, restoredFromTick: result.restoredFromTick, epoch: result.epoch, ticksLost: null, scoreAfter: null, pointsLost: null,
    };
    this.losses.push(loss);
    this.#pending = loss;
    this.connection = null;
    this.#take(next);
    void conn.leave();
  }

  #onPatch(conn: GameConnection, state: ArenaState): void {
    let me = state.players.get(conn.sessionId) ?? null;
    if (!me || me.playerId !== this.playerId) {
      me = null;
      // A restored room may key the player differently; the playerId is what survives.
      state.players.forEach((p) => {
        if (p.playerId === this.playerId) me = p;
      });
    }
    this.#me = me;
    if (state.tick !== this.lastTick) this.#lastTickAt = Date.now();
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
    const seen = this.results.get(result.matchId);
    if (mine && (!seen || seen.status !== 'recorded')) this.results.set(result.matchId, { score: mine.score, status: 'shown' });
  }

  #lose(conn: GameConnection, lost: ConnectionLoss): void {
    if (this.#stopping || this.phase !== 'playing') return;
    // A paused copy that ends while its follow is in flight: that request may hold a seat on the
    // live copy already, and a second join would only evict it. Let it finish first.
    const pending = this.#follower?.inFlight ?? null;
    this.#follower?.stop();
    this.#follower = null;
    if (pending) {
      this.phase = 'recovering';
      void pending.then((seat) => {
        this.phase = 'playing';
        if (seat) this.#movedFromPause(conn, seat);
        else this.#loseNow(conn, lost);
      });
      return;
    }
    this.#loseNow(conn, lost);
  }

  #loseNow(conn: GameConnection, lost: ConnectionLoss): void {
    this.connection = null;
    this.#me = null;
    this.phase = 'recovering';
    const fault = this.options.faultAt?.() ?? null;
    const loss: LossRecord = {
      reason: lost.reason, code: lost.code, nodeId: lost.nodeId, roomId: conn.roomId, mode: this.options.mode,
      detectedAt: lost.detectedAt, lastMessageAt: lost.lastMessageAt, detectedMs: fault === null ? null : lost.detectedAt - fault,
      lastTick: this.lastTick, match: this.match, matchTicks: this.lastTick - this.matchStartTick, scoreBefore: this.score,
      outcome: 'pending', lostCode: null, rejoinAttempts: 0, seatAt: null, joinedAt: null, backInPlayAt: null, backInPlayMs: null, gapMs: null,
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

  /** The browser's recovery path, without a player to press "Find a new match": follow the room, else play on in a new one. */
  async #recover(loss: LossRecord): Promise<void> {
    const retry = { deadlineMs: this.#deadlineMs, now: Date.now, cancelled: () => this.#stopping };
    if (loss.mode === 'checkpointed') {
      const outcome = await followRoom(() => rejoinRoom(this.sessions, loss.roomId, JOIN), {
        ...retry, onAttempt: (n) => (loss.rejoinAttempts = n),
      });
      if (outcome.ok) {
        const { result, connection, seatAt } = outcome.value;
        loss.seatAt = seatAt;
        loss.joinedAt = Date.now();
        loss.newNodeId = result.nodeId;
        loss.epoch = result.epoch;
        loss.restoredFromTick = result.restoredFromTick;
        loss.outcome = 'rejoined';
        this.#take(connection);
        return;
      }
      if (outcome.why === 'cancelled') return;
      loss.lostCode = outcome.why === 'timeout' ? ErrorCodes.rejoinTimeout : codeOf(outcome.error);
    }
    // Stateful (or the checkpoint is gone): the session is lost; play on in a new match.
    loss.outcome = 'session-lost';
    loss.pointsLost = loss.scoreBefore;
    loss.ticksLost = loss.matchTicks;
    const again = await rematch(() => findMatch(this.sessions, this.#request(), JOIN), retry);
    if (again.ok) this.#take(again.value);
    else if (again.why !== 'cancelled') throw again.error;
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function codeOf(err: unknown): string {
  return err instanceof CodedError ? err.code : message(err);
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
