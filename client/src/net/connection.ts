import { Client, type Room } from '@colyseus/sdk';
import type { SeatReservation } from '../../../shared/api';
import { CloseCodes, HEARTBEAT, type InputMessage, type MatchResult, type MovedNotice, type NodeInfo, type ProtocolError, type ServerMessages } from '../../../shared/protocol';
import { ArenaState } from '../../../shared/schema';

/** Application heartbeat (shared with the bots, see HEARTBEAT): frozen after SILENCE_MS without any message. */
export const PING_INTERVAL_MS = HEARTBEAT.pingMs;
export const SILENCE_MS = HEARTBEAT.silenceMs;

/**
 * How the host went away, as this client saw it:
 * - killed: the socket was reset/closed abnormally (the process died or crashed),
 * - frozen: the socket stayed open but nothing arrived for SILENCE_MS,
 * - moved: the room told us it lives elsewhere now ('moved' message or close code 4100):
 *   a drain hand-off, or this copy was a stale one,
 * - left: the host closed the room on purpose (drain, shutdown).
 */
export type LossReason = 'killed' | 'frozen' | 'moved' | 'left';

export interface ConnectionLoss {
  reason: LossReason;
  code: number;
  /** The close reason the server gave, if any. */
  detail: string;
  /** The node that was hosting the session, if it had introduced itself. */
  nodeId: string | null;
  /** performance.now() when this client decided the session was lost. */
  detectedAt: number;
  /** performance.now() of the last message received from the host. */
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
}

type Listeners = { [K in keyof ConnectionEvents]: Set<ConnectionEvents[K]> };

/**
 * One seat in one arena room on one game node. Wraps the SDK room: typed
 * events, the ping heartbeat, and a single `lost` event as soon as the socket
 * drops (the SDK's own retries would keep the player staring at a frozen
 * arena for about a minute).
 */
export class GameConnection {
  node: NodeInfo | null = null;
  rttMs: number | null = null;
  lastPongAt = performance.now();
  /** Any message (pong, patch, node info...) from the host. */
  lastMessageAt = performance.now();
  #leaving = false;
  #lost = false;
  #moved: MovedNotice['reason'] | null = null;
  #pingTimer: ReturnType<typeof setInterval> | undefined;
  #checkTimer: ReturnType<typeof setInterval> | undefined;
  readonly #listeners: Listeners = {
    node: new Set(), patch: new Set(), results: new Set(), error: new Set(), ping: new Set(), lost: new Set(), draining: new Set(),
  };

  private constructor(readonly room: Room<unknown, ArenaState>, readonly reservation: SeatReservation) {
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
    // The room lives elsewhere now: follow it at once rather than wait for the close that comes next.
    room.onMessage('moved', (m: ServerMessages['moved']) => {
      this.#heard();
      this.#moved = m.reason;
      this.#lose('moved', CloseCodes.moved, m.reason);
    });
    room.onMessage('pong', (p: ServerMessages['pong']) => {
      this.#heard();
      this.lastPongAt = this.lastMessageAt;
      this.rttMs = Math.max(0, this.lastPongAt - p.t);
      this.#emit('ping', this.rttMs);
    });
    room.onStateChange((state) => {
      this.#heard();
      this.#emit('patch', state);
    });
    room.onDrop((code, reason) => this.#onClosed(code, reason));
    room.onLeave((code, reason) => this.#onClosed(code, reason));
    this.#pingTimer = setInterval(() => this.#ping(), PING_INTERVAL_MS);
    this.#checkTimer = setInterval(() => this.#checkSilence(), HEARTBEAT.checkMs);
    this.#ping();
  }

  /** Takes the seat the API reserved: connects straight to the node named in the reservation. */
  static async join(reservation: SeatReservation): Promise<GameConnection> {
    // The SDK builds the socket URL from `publicAddress` (host:port) itself; the
    // endpoint only decides ws vs wss, so follow the page's own scheme.
    const scheme = location.protocol === 'https:' ? 'https' : 'http';
    const client = new Client(`${scheme}://${reservation.publicAddress ?? location.host}`);
    const room = await client.consumeSeatReservation(reservation as Parameters<Client['consumeSeatReservation']>[0], ArenaState);
    return new GameConnection(room as Room<unknown, ArenaState>, reservation);
  }

  get sessionId(): string {
    return this.room.sessionId;
  }

  get roomId(): string {
    return this.room.roomId;
  }

  get connected(): boolean {
    return !this.#lost && !this.#leaving;
  }

  /** Milliseconds since the host last sent anything. */
  get silenceMs(): number {
    return performance.now() - this.lastMessageAt;
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
    this.lastMessageAt = performance.now();
  }

  #ping(): void {
    if (this.connected) this.room.send('ping', { t: performance.now() });
  }

  #checkSilence(): void {
    // A SIGSTOPped host keeps its socket open and simply says nothing: the silence is the only sign.
    if (this.connected && this.silenceMs > SILENCE_MS) this.#onFrozen();
  }

  #onFrozen(): void {
    this.#lose('frozen', 4408, `no message for ${Math.round(this.silenceMs)} ms`);
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
    this.#lose(code === CloseCodes.moved ? 'moved' : deliberate ? 'left' : 'killed', code, reason ?? '');
  }

  #lose(kind: LossReason, code: number, detail: string): void {
    if (this.#lost || this.#leaving) return;
    this.#lost = true;
    this.#stop();
    // Any close we did not ask for is a loss, whatever code the server chose.
    this.#emit('lost', {
      reason: kind, code, detail, nodeId: this.node?.nodeId ?? null, detectedAt: performance.now(), lastMessageAt: this.lastMessageAt,
      moved: this.#moved,
    });
  }

  #stop(): void {
    clearInterval(this.#pingTimer);
    clearInterval(this.#checkTimer);
  }

  #emit<K extends keyof ConnectionEvents>(event: K, ...args: Parameters<ConnectionEvents[K]>): void {
    for (const l of this.#listeners[event]) (l as (...a: Parameters<ConnectionEvents[K]>) => void)(...args);
  }
}
