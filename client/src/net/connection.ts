import { Client, type Room } from '@colyseus/sdk';
import type { SeatReservation } from '../../../shared/api';
import { CloseCodes, HEARTBEAT, type InputMessage, type MatchResult, type MovedNotice, type NodeInfo, type ProtocolError, type ServerMessages } from '../../../shared/protocol';
import { ArenaState } from '../../../shared/schema';
import { SilenceWatch } from './silence';

/** Application heartbeat (shared with the bots, see HEARTBEAT): frozen after SILENCE_MS without any message. */
export const PING_INTERVAL_MS = HEARTBEAT.pingMs;
export const SILENCE_MS = HEARTBEAT.silenceMs;

/**
 * How the host went away, as this client saw it:
 * - killed: the socket was reset/closed abnormally (the process died or crashed),
 * - frozen: the socket stayed open but nothing arrived for SILENCE_MS,
 * - moved: the room told us it lives elsewhere now ('moved' message or close code 4100):
 *   a drain hand-off, or this copy was a stale one,
 * - left: the host closed the room on purpose (drain, shutdown),
 * - elsewhere: the same player opened this room again (another tab, close code 4102): this
 *   connection is the older one and must not come back, or the two would take turns evicting each other.
 */
export type LossReason = 'killed' | 'frozen' | 'moved' | 'left' | 'elsewhere';

export interface ConnectionLoss {
  reason: LossReason;
  code: number;
  /** The close reason the server gave, if any. */
  detail: string;
  /** The node that was hosting the session, if it had introduced itself. */
  nodeId: string | null;
  /** When this client decided the session was lost (on the connection's clock, see JoinOptions.now). */
  detectedAt: number;
  /** When the last message from the host arrived (same clock). */
  lastMessageAt: number;
  /** Why the room moved, when reason is 'moved' and the host said so. */
  moved: MovedNotice['reason'] | null;
}

export interface ConnectionEvents {
  node: (info: NodeInfo) => void;
  patch: (state: ArenaState) => void;
  results: (result: MatchResult) => void;
  error: (error: ProtocolError) => void;
  ping: (rttMs: number) => void;
  lost: (loss: ConnectionLoss) => void;
  /** The host is draining: in a stateful room this match is the last one here. */
  draining: (nodeId: string) => void;
  /** Where the room stands with the store (a checkpointed room pauses while it cannot save). */
  store: (notice: ServerMessages['store']) => void;
  /** Whether a finished match's results are in the store yet. */
  recorded: (notice: ServerMessages['recorded']) => void;
}

type Listeners = { [K in keyof ConnectionEvents]: Set<ConnectionEvents[K]> };

/** How to reach and watch the host; every field has a default that suits the browser. */
export interface JoinOptions {
  /** wss instead of ws (the browser follows its page's scheme). */
  secure?: boolean;
  /** Host to use when the reservation names none (the browser: its page's own host). */
  fallbackHost?: string;
  /** The clock of every timestamp (default performance.now; the bots use Date.now, epoch ms). */
  now?: () => number;
  /**
   * false: the caller calls `heartbeat()` at least every HEARTBEAT.checkMs itself (one fleet
   * timer for a thousand bots costs less than two intervals per bot). Default true.
   */
  ownTimer?: boolean;
}

/**
 * One seat in one arena room on one game node. Wraps the SDK room: typed
 * events, the ping heartbeat, and a single `lost` event as soon as the socket
 * drops (the SDK's own retries would keep the player staring at a frozen
 * arena for about a minute).
 */
export class GameConnection {
  node: NodeInfo | null = null;
  rttMs: number | null = null;
  lastPongAt: number;
  /** Any message (pong, patch, node info...) from the host. */
  lastMessageAt: number;
  #lastPingAt = 0;
  readonly #silence = new SilenceWatch(SILENCE_MS);
  #leaving = false;
  #lost = false;
  #moved: MovedNotice['reason'] | null = null;
  #timer: ReturnType<typeof setInterval> | undefined;
  readonly #now: () => number;
  readonly #listeners: Listeners = {
    node: new Set(), patch: new Set(), results: new Set(), error: new Set(), ping: new Set(), lost: new Set(), draining: new Set(),
    store: new Set(), recorded: new Set(),
  };

  private constructor(readonly room: Room<unknown, ArenaState>, readonly reservation: SeatReservation, options: JoinOptions) {
    this.#now = options.now ?? (() => performance.now());
    this.lastPongAt = this.lastMessageAt = this.#now();
    // Fail over ourselves rather than let the SDK retry a dead address 15 times.
    room.reconnection.enabled = false;
    room.onMessage('node', (info: ServerMessages['node']) => {
      this.#heard();
      this.node = info;
      this.#emit('node', info);
    });
    room.onMessage('results', (r: ServerMessages['results']) => {
      this.#heard();
      this.#emit('results', r);
    });
    room.onMessage('error', (e: ServerMessages['error']) => {
      this.#heard();
      this.#emit('error', e);
    });
    room.onMessage('draining', (d: ServerMessages['draining']) => {
      this.#heard();
      this.#emit('draining', d.nodeId);
    });
    room.onMessage('store', (n: ServerMessages['store']) => {
      this.#heard();
      this.#emit('store', n);
    });
    room.onMessage('recorded', (n: ServerMessages['recorded']) => {
      this.#heard();
      this.#emit('recorded', n);
    });
    // The room lives elsewhere now: follow it at once rather than wait for the close that comes next.
    room.onMessage('moved', (m: ServerMessages['moved']) => {
      this.#heard();
      this.#moved = m.reason;
      this.#lose('moved', CloseCodes.moved, m.reason);
    });
    room.onMessage('alive', () => this.#heard()); // a host with no patch to send (HEARTBEAT)
    room.onMessage('pong', (p: ServerMessages['pong']) => {
      this.#heard();
      this.lastPongAt = this.lastMessageAt;
      // The ping carries this clock's time, so the echo measures the round trip on the same clock.
      this.rttMs = Math.max(0, this.lastPongAt - p.t);
      this.#emit('ping', this.rttMs);
    });
    room.onStateChange((state) => {
      this.#heard();
      this.#emit('patch', state);
    });
    room.onDrop((code, reason) => this.#onClosed(code, reason));
    room.onLeave((code, reason) => this.#onClosed(code, reason));
    if (options.ownTimer ?? true) this.#timer = setInterval(() => this.heartbeat(), HEARTBEAT.checkMs);
    this.#ping();
  }

  /** Takes the seat the API reserved: connects straight to the node named in the reservation. */
  static async join(reservation: SeatReservation, options: JoinOptions = {}): Promise<GameConnection> {
    // The SDK builds the socket URL from `publicAddress` (host:port) itself; the
    // endpoint only decides ws vs wss.
    const host = reservation.publicAddress ?? options.fallbackHost;
    if (!host) throw new Error('the seat reservation names no host');
    const client = new Client(`${options.secure ? 'https' : 'http'}://${host}`);
    const room = await client.consumeSeatReservation(reservation as Parameters<Client['consumeSeatReservation']>[0], ArenaState);
    return new GameConnection(room as Room<unknown, ArenaState>, reservation, options);
  }

  get sessionId(): string {
    return this.room.sessionId;
  }

  get roomId(): string {
    return this.room.roomId;
  }

  /** The synced state as of the last patch (undefined until the first one). */
  get state(): ArenaState | undefined {
    return this.room.state as ArenaState | undefined;
  }

  get connected(): boolean {
    return !this.#lost && !this.#leaving;
  }

  /** Milliseconds since the host last sent anything. */
  get silenceMs(): number {
    return this.#now() - this.lastMessageAt;
  }

  /**
   * One heartbeat round: calls a silent host frozen, and pings every PING_INTERVAL_MS. Runs on the
   * connection's own timer unless JoinOptions.ownTimer is false.
   */
  heartbeat(): void {
    if (!this.connected) return;
    // A SIGSTOPped host keeps its socket open and simply says nothing: the silence is the only sign.
    const now = this.#now();
    if (this.#silence.silent(now, this.lastMessageAt)) return this.#onFrozen();
    if (now - this.#lastPingAt >= PING_INTERVAL_MS) this.#ping();
  }

  on<K extends keyof ConnectionEvents>(event: K, listener: ConnectionEvents[K]): () => void {
    const set = this.#listeners[event] as Set<ConnectionEvents[K]>;
    set.add(listener);
    return () => set.delete(listener);
  }

  sendInput(input: InputMessage): void {
    if (this.connected) this.room.send('input', input);
  }

  /** Leaves on purpose: no `lost` event. */
  async leave(): Promise<void> {
    if (this.#leaving || this.#lost) return;
    this.#leaving = true;
    this.#stop();
    await this.room.leave(true).catch(() => undefined);
  }

  #heard(): void {
    this.lastMessageAt = this.#now();
  }

  #ping(): void {
    if (!this.connected) return;
    this.#lastPingAt = this.#now();
    this.room.send('ping', { t: this.#lastPingAt });
  }

  #onFrozen(): void {
    this.#lose('frozen', CloseCodes.silent, `no message for ${Math.round(this.silenceMs)} ms`);
    // Drop the socket ourselves: the close handshake would wait on a host that cannot answer.
    try {
      this.room.connection.close();
    } catch {
      // already closed
    }
  }

  #onClosed(code: number, reason: string | undefined): void {
    // 1000 (normal) or a 4xxx application code is the host closing the room on purpose;
    // anything else (1006: no close frame, the TCP connection just ended) is a dead process.
    const deliberate = code === 1000 || (code >= 4000 && code < 5000);
    const kind = code === CloseCodes.moved ? 'moved' : code === CloseCodes.openedElsewhere ? 'elsewhere' : deliberate ? 'left' : 'killed';
    this.#lose(kind, code, reason ?? '');
  }

  #lose(kind: LossReason, code: number, detail: string): void {
    if (this.#lost || this.#leaving) return;
    this.#lost = true;
    this.#stop();
    // Any close we did not ask for is a loss, whatever code the server chose.
    this.#emit('lost', {
      reason: kind, code, detail, nodeId: this.node?.nodeId ?? null, detectedAt: this.#now(), lastMessageAt: this.lastMessageAt,
      moved: this.#moved,
    });
  }

  #stop(): void {
    clearInterval(this.#timer);
  }

  #emit<K extends keyof ConnectionEvents>(event: K, ...args: Parameters<ConnectionEvents[K]>): void {
    for (const l of this.#listeners[event]) (l as (...a: Parameters<ConnectionEvents[K]>) => void)(...args);
  }
}
