import type { RejoinResult } from '../../../shared/api';
import type { MatchResult, NodeInfo, ProtocolError, RecordedNotice, RoomMode } from '../../../shared/protocol';
import type { ArenaState } from '../../../shared/schema';
import type { ConnectionEvents, ConnectionLoss, GameConnection } from '../net/connection';
import type { InjectedFault } from '../net/control';
import { PausedRoomFollower, type PausedFollowState, type PausedSeat } from '../net/pausedFollow';
import { followRoom, rematch, type RetryOptions } from '../net/rejoin';
import { summarizeRecovery, type RecoveryCause, type RecoverySummary } from './recovery';
import { StoreStatus, type StoreChange } from './storeStatus';

const DEFAULT_TICK_RATE = 20;

/** The parts of a GameConnection the session uses (a real one in the game, a scripted one in unit tests). */
export type SessionConnection = Pick<GameConnection,
  'on' | 'node' | 'roomId' | 'sessionId' | 'connected' | 'leave' | 'state' | 'sendInput' | 'rttMs' | 'silenceMs'>;

/** What the previous seat knew when its host went away, carried over to measure the recovery. */
export interface RecoveredSeat {
  cause: RecoveryCause;
  fault: InjectedFault | null;
  detectedAt: number;
  lastMessageAt: number;
  fromNode: string | null;
  lastTick: number;
  scoreBefore: number;
  result: RejoinResult;
  attempts: number;
}

/** One seat: what the arena scene starts (and restarts) with. */
export interface SeatData {
  connection: GameConnection;
  mode: RoomMode;
  /** Set after "Find a new match": how long the new seat took, from the click to the joined room. */
  reseatMs?: number;
  /** Set when this seat is a checkpointed session that followed its room to a new host. */
  recovered?: RecoveredSeat;
}

/** A lost host, as the player is told about it. */
export interface SessionLoss {
  loss: ConnectionLoss;
  /** The fault this page injected into that host since this seat was taken, if any. */
  fault: InjectedFault | null;
  /** From the button press when there was one, else from the host's last message. */
  detectedMs: number;
  cause: RecoveryCause;
  /** Checkpointed: the session now follows its room; otherwise the loss is final. */
  recovering: boolean;
  /** ms of this match the player had played on the lost host. */
  playedMs: number;
}

export interface ArenaSessionEvents {
  node: (info: NodeInfo) => void;
  patch: (state: ArenaState, at: number) => void;
  phase: (phase: string, previous: string) => void;
  results: (result: MatchResult) => void;
  notice: (error: ProtocolError) => void;
  draining: (nodeId: string) => void;
  lost: (loss: SessionLoss) => void;
  /** Another request for a seat back (1-based). */
  attempt: (attempt: number) => void;
  /** Back in play on the new host: the numbers of the recovery. */
  recovered: (summary: RecoverySummary) => void;
  /** The loss is final: show it. `note` says why following the room failed, when it did. */
  final: (loss: SessionLoss, note: string | null) => void;
  /** A new seat is ready (followed room or new match): the view restarts on it. */
  seated: (next: SeatData) => void;
  /** A store notice from the host (read the numbers from `session.store`). */
  store: (change: StoreChange) => void;
  /** The paused room is (or no longer is: null) being followed to a live copy through the API. */
  following: (state: PausedFollowState | null) => void;
  /** Whether a finished match's results are in the store yet. */
  recorded: (notice: RecordedNotice) => void;
  /**
   * The player opened this room again elsewhere (another tab): this connection was closed as
   * the older one. Final, and nothing follows it: coming back would evict the newer tab.
   */
  elsewhere: (loss: ConnectionLoss) => void;
}

export interface ArenaSessionDeps {
  /** Faults this page injected (null when the page has no control endpoint). */
  faults: { lastFaultOn(target: string, since: number): InjectedFault | null } | null;
  /** One attempt at a seat back in `roomId` (net/matchmaking.ts rejoinRoom). */
  rejoin: (roomId: string) => Promise<{ result: RejoinResult; connection: GameConnection }>;
  /** Where `roomId` lives now, with a seat there, without taking it (net/matchmaking.ts askRoom): following a paused room. */
  askRoom: (roomId: string) => Promise<RejoinResult>;
  /** Takes a seat the API granted (GameConnection.join with the page's options). */
  takeSeat: (result: RejoinResult) => Promise<GameConnection>;
  /** One attempt at a new match with the player's lobby choice (net/matchmaking.ts findMatch). */
  findMatch: () => Promise<GameConnection>;
  /** The mode "Find a new match" asks for (the player's lobby choice). */
  rematchMode: () => RoomMode;
  now?: () => number;
  /** Clock and sleep of the retry loops (tests run them on a fake clock). */
  retry?: Pick<RetryOptions, 'now' | 'sleep'>;
  /** One-shot timer of the paused-room follow (tests fire it by hand). */
  setTimer?: (fn: () => void, ms: number) => () => void;
}

/**
 * The session and recovery flow of one seat, with no pixels: it follows the
 * connection (host, patches, phases, results), decides what a lost host means
 * (follow a checkpointed room through the shared rejoin policy, or a final
 * loss), measures a recovery, and finds a new match on request. The arena
 * scene draws what it emits; the test hook publishes it.
 */
export class ArenaSession {
  readonly connection: SessionConnection;
  readonly mode: RoomMode;
  readonly reseatMs: number | null;
  /** A recovery waiting for the new host's introduction and the first patch with this player, to be measured. */
  #recovered: RecoveredSeat | null;
  readonly wasRecovered: boolean;
  phase = '';
  state: ArenaState | null = null;
  lost = false;
  /** Newest tick and own score seen from the host: what a recovery is measured against. */
  lastTick = 0;
  lastScore = 0;
  #meSeen = false;
  /** Where the room stands with the store, from the host's notices. */
  readonly store = new StoreStatus();
  /** The recorded status of each finished match's results, by match id. */
  readonly recorded = new Map<string, RecordedNotice['status']>();
  /** When this seat was taken, and when the current match started (if after). */
  readonly joinedAt: number;
  #matchStartedAt: number;
  #closed = false;
  /** Seated on another copy while this one was paused: this seat is done, whatever it says next. */
  #movedOn = false;
  /** Checkpointed only: follows the room through the API when its host pauses it for the store. */
  readonly #paused: PausedRoomFollower<GameConnection> | null;
  #unsubscribe: (() => void)[] = [];
  readonly #listeners = new Map<keyof ArenaSessionEvents, Set<unknown>>();
  readonly #now: () => number;

  constructor(seat: Omit<SeatData, 'connection'> & { connection: SessionConnection }, private readonly deps: ArenaSessionDeps) {
    this.connection = seat.connection;
    this.mode = seat.mode;
    this.reseatMs = seat.reseatMs ?? null;
    this.#recovered = seat.recovered ?? null;
    this.wasRecovered = this.#recovered !== null;
    this.#now = deps.now ?? (() => performance.now());
    this.joinedAt = this.#now();
    this.#matchStartedAt = this.joinedAt;
    this.#paused = this.mode !== 'checkpointed' ? null : new PausedRoomFollower<GameConnection>({
      copy: () => this.connection.node && { nodeId: this.connection.node.nodeId, epoch: this.connection.node.epoch },
      ask: () => deps.askRoom(this.connection.roomId),
      take: (result) => deps.takeSeat(result),
      onSeated: (seat) => this.#seatFromPause(seat),
      onChange: (state) => this.#emit('following', state),
      now: this.#now,
      ...(deps.retry?.sleep ? { sleep: deps.retry.sleep } : {}),
      ...(deps.setTimer ? { setTimer: deps.setTimer } : {}),
    });
  }

  on<K extends keyof ArenaSessionEvents>(event: K, listener: ArenaSessionEvents[K]): () => void {
    let set = this.#listeners.get(event);
    if (!set) this.#listeners.set(event, (set = new Set()));
    set.add(listener);
    return () => set.delete(listener);
  }

  /** Follows the connection; replays what it already knows. Call once the listeners are on. */
  start(): void {
    const c = this.connection;
    const forward = <K extends keyof ConnectionEvents>(event: K, fn: ConnectionEvents[K]) => this.#unsubscribe.push(c.on(event, fn));
    forward('node', (info) => this.#onNode(info));
    forward('patch', (state) => this.#onPatch(state));
    forward('results', (r) => this.#emit('results', r));
    forward('error', (e) => this.#emit('notice', e));
    forward('draining', (nodeId) => this.#emit('draining', nodeId));
    forward('lost', (loss) => this.#onLost(loss));
    forward('store', (notice) => {
      this.#emit('store', this.store.update(notice, this.#now()));
      this.#paused?.notice(notice);
    });
    forward('recorded', (notice) => {
      this.recorded.set(notice.matchId, notice.status);
      this.#emit('recorded', notice);
    });
    if (c.node) this.#onNode(c.node);
    if (c.state) this.#onPatch(c.state);
  }

  /** Leaves the seat (the scene is going away). */
  close(): void {
    this.#closed = true;
    this.#paused?.stop();
    void this.#paused?.inFlight?.then((seat) => seat && this.#seatFromPause(seat));
    for (const off of this.#unsubscribe) off();
    this.#unsubscribe = [];
    void this.connection.leave();
  }

  /** The host holds the room still: it cannot save it (the client must not predict or count down meanwhile). */
  get paused(): boolean {
    return !this.lost && this.store.paused;
  }

  /** The paused room's follow to a live copy, while one is counting down or under way. */
  get following(): PausedFollowState | null {
    return this.lost ? null : (this.#paused?.state ?? null);
  }

  get tickRate(): number {
    return this.connection.node?.tickRate || DEFAULT_TICK_RATE;
  }

  /** "Find a new match" after a final loss, through the shared rematch policy. Resolves with the error if it gave up. */
  async findNewMatch(onRetry: (attempt: number) => void): Promise<{ ok: true } | { ok: false; error: unknown }> {
    const t0 = this.#now();
    const outcome = await rematch(() => this.deps.findMatch(), {
      ...this.deps.retry, cancelled: () => this.#closed, onAttempt: (n) => n > 1 && onRetry(n),
    });
    if (!outcome.ok) return { ok: false, error: outcome.error };
    if (this.#closed) {
      void outcome.value.leave();
      return { ok: true };
    }
    this.#emit('seated', { connection: outcome.value, mode: this.deps.rematchMode(), reseatMs: this.#now() - t0 });
    return { ok: true };
  }

  #onNode(info: NodeInfo): void {
    this.#emit('node', info);
    this.#checkBackInPlay();
  }

  #onPatch(state: ArenaState): void {
    const at = this.#now();
    // A paused room that ticks again is playing, whether or not its host says so (see StoreStatus.resumed).
    if (state.tick > this.lastTick && this.lastTick > 0 && this.store.resumed(at)) this.#emit('store', 'back');
    this.state = state;
    if (state.phase !== this.phase) {
      const previous = this.phase;
      this.phase = state.phase;
      if (state.phase === 'playing') this.#matchStartedAt = at;
      this.#emit('phase', state.phase, previous);
    }
    this.#emit('patch', state, at);
    const me = state.players.get(this.connection.sessionId);
    if (me) {
      this.lastScore = me.score;
      this.#meSeen = true;
    }
    this.lastTick = state.tick;
    this.#checkBackInPlay();
  }

  /**
   * Back in play once the new host has both introduced itself (its node, epoch and checkpoint
   * tick) and sent a patch with this player in it. The host sends the full state before its
   * introduction (Colyseus flushes messages queued in onJoin after the state), so the first
   * patch alone would report a recovery whose host is still unknown.
   */
  #checkBackInPlay(): void {
    const r = this.#recovered;
    const node = this.connection.node;
    if (!r || !node || !this.#meSeen) return;
    this.#recovered = null;
    this.#emit('recovered', summarizeRecovery({
      cause: r.cause, faultAt: r.fault?.at ?? null, detectedAt: r.detectedAt, lastMessageAt: r.lastMessageAt, backAt: this.#now(),
      lastTick: r.lastTick, restoredTick: node.restoredFrom?.tick ?? r.result.restoredFromTick,
      tickRate: node.tickRate || DEFAULT_TICK_RATE, scoreBefore: r.scoreBefore, scoreAfter: this.lastScore,
      fromNode: r.fromNode, toNode: node.nodeId, epoch: node.epoch, attempts: r.attempts,
    }));
  }

  #onLost(connLoss: ConnectionLoss): void {
    if (this.#movedOn) return;
    this.lost = true;
    const pending = this.#paused?.inFlight ?? null;
    this.#paused?.stop();
    // A paused copy that retires (moved) while its follow is in flight: that request may already
    // hold a seat on the live copy, and a second join would only evict it. Let it finish first.
    if (pending) {
      void pending.then((seat) => (seat ? this.#seatFromPause(seat) : this.#onLostNow(connLoss)));
      return;
    }
    this.#onLostNow(connLoss);
  }

  #onLostNow(connLoss: ConnectionLoss): void {
    if (connLoss.reason === 'elsewhere') return this.#emit('elsewhere', connLoss);
    const fault = faultFor(this.deps.faults, connLoss.nodeId, this.joinedAt);
    const loss: SessionLoss = {
      loss: connLoss, fault, detectedMs: detectionMs(connLoss, fault),
      cause: connLoss.reason === 'moved' ? (connLoss.moved ?? 'drain') : connLoss.reason,
      recovering: this.mode === 'checkpointed',
      playedMs: connLoss.detectedAt - Math.max(this.joinedAt, this.#matchStartedAt),
    };
    this.#emit('lost', loss);
    if (loss.recovering) void this.#follow(loss);
    else this.#emit('final', loss, null);
  }

  /**
   * Checkpointed mode: follow the room to its new host instead of losing the session, through the
   * shared policy (net/rejoin.ts followRoom), then hand the new connection over (fresh prediction:
   * input seq starts at 1 again).
   */
  async #follow(loss: SessionLoss): Promise<void> {
    const roomId = this.connection.roomId;
    const outcome = await followRoom(() => this.deps.rejoin(roomId), {
      ...this.deps.retry, cancelled: () => this.#closed, onAttempt: (n) => this.#emit('attempt', n),
    });
    if (this.#closed) {
      if (outcome.ok) void outcome.value.connection.leave();
      return;
    }
    if (!outcome.ok) {
      const why = outcome.why === 'lost' ? 'The room could not be restored: it is gone.' : `Could not follow the room: ${outcome.message}`;
      this.#emit('final', loss, why);
      return;
    }
    const { result, connection } = outcome.value;
    this.#emit('seated', {
      connection, mode: this.mode,
      recovered: {
        cause: loss.cause, fault: loss.fault, detectedAt: loss.loss.detectedAt, lastMessageAt: loss.loss.lastMessageAt,
        fromNode: loss.loss.nodeId, lastTick: this.lastTick, scoreBefore: this.lastScore, result, attempts: outcome.attempts,
      },
    });
  }

  /** Seated on a live copy while this one was paused: the recovery, measured from the first paused notice. */
  #seatFromPause({ result, value: connection, state }: PausedSeat<GameConnection>): void {
    if (this.#movedOn) return;
    this.#movedOn = true;
    if (this.#closed) {
      void connection.leave();
      return;
    }
    const fromNode = this.connection.node?.nodeId ?? null;
    this.#emit('seated', {
      connection, mode: this.mode,
      recovered: {
        cause: 'store-lost', fault: faultFor(this.deps.faults, fromNode, this.joinedAt), detectedAt: state.pausedAt,
        lastMessageAt: state.pausedAt - state.unsavedMs, fromNode, lastTick: this.lastTick, scoreBefore: this.lastScore, result,
        attempts: state.attempts,
      },
    });
  }

  #emit<K extends keyof ArenaSessionEvents>(event: K, ...args: Parameters<ArenaSessionEvents[K]>): void {
    for (const l of this.#listeners.get(event) ?? []) (l as (...a: Parameters<ArenaSessionEvents[K]>) => void)(...args);
  }
}

/** The fault this page injected into `nodeId` since `since` (performance.now()), if any. */
export function faultFor(faults: ArenaSessionDeps['faults'], nodeId: string | null, since: number): InjectedFault | null {
  return nodeId && faults ? faults.lastFaultOn(nodeId, since) : null;
}

/**
 * How long the loss took to notice: from the button press when this page injected the fault into
 * the host; otherwise from the last thing the host said, the best the client can know about when
 * it went away.
 */
export function detectionMs(loss: Pick<ConnectionLoss, 'detectedAt' | 'lastMessageAt'>, fault: Pick<InjectedFault, 'at'> | null): number {
  return fault ? loss.detectedAt - fault.at : loss.detectedAt - loss.lastMessageAt;
}
