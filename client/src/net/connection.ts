import { Client, type Room } from '@colyseus/sdk';
import type { SeatReservation } from '../../../shared/api';
import type { InputMessage, MatchResult, NodeInfo, ProtocolError, ServerMessages } from '../../../shared/protocol';
import { ArenaState } from '../../../shared/schema';

/** Application heartbeat period. The pong gap also tells a frozen host from a slow one. */
export const PING_INTERVAL_MS = 500;
/** No pong for this long and the host counts as silent (frozen or cut off). */
export const SILENCE_MS = 1500;

export interface ConnectionLoss {
  code: number;
  reason: string;
  /** The node that was hosting the session, if it had introduced itself. */
  nodeId: string | null;
}

export interface ConnectionEvents {
  node: (info: NodeInfo) => void;
  patch: (state: ArenaState) => void;
  results: (result: MatchResult) => void;
  error: (error: ProtocolError) => void;
  ping: (rttMs: number) => void;
  lost: (loss: ConnectionLoss) => void;
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
  #leaving = false;
  #lost = false;
  #pingTimer: ReturnType<typeof setInterval> | undefined;
  readonly #listeners: Listeners = { node: new Set(), patch: new Set(), results: new Set(), error: new Set(), ping: new Set(), lost: new Set() };

  private constructor(readonly room: Room<unknown, ArenaState>, readonly reservation: SeatReservation) {
    // Fail over ourselves rather than let the SDK retry a dead address 15 times.
    room.reconnection.enabled = false;
    room.onMessage('node', (info: ServerMessages['node']) => {
      this.node = info;
      this.#emit('node', info);
    });
    room.onMessage('results', (r: ServerMessages['results']) => this.#emit('results', r));
    room.onMessage('error', (e: ServerMessages['error']) => this.#emit('error', e));
    room.onMessage('pong', (p: ServerMessages['pong']) => {
      this.lastPongAt = performance.now();
      this.rttMs = Math.max(0, this.lastPongAt - p.t);
      this.#emit('ping', this.rttMs);
    });
    room.onStateChange((state) => this.#emit('patch', state));
    room.onDrop((code, reason) => this.#onClosed(code, reason));
    room.onLeave((code, reason) => this.#onClosed(code, reason));
    this.#pingTimer = setInterval(() => this.#ping(), PING_INTERVAL_MS);
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

  /** Milliseconds since the host last answered a ping. */
  get silenceMs(): number {
    return performance.now() - this.lastPongAt;
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

  #ping(): void {
    if (this.connected) this.room.send('ping', { t: performance.now() });
  }

  #onClosed(code: number, reason: string | undefined): void {
    if (this.#lost || this.#leaving) return;
    this.#lost = true;
    this.#stop();
    // Any close we did not ask for is a loss, whatever code the server chose.
    this.#emit('lost', { code, reason: reason ?? '', nodeId: this.node?.nodeId ?? null });
  }

  #stop(): void {
    clearInterval(this.#pingTimer);
  }

  #emit<K extends keyof ConnectionEvents>(event: K, ...args: Parameters<ConnectionEvents[K]>): void {
    for (const l of this.#listeners[event]) (l as (...a: Parameters<ConnectionEvents[K]>) => void)(...args);
  }
}
