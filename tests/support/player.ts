import '../../server/common/websocket-global';
import { Client, type Room } from '@colyseus/sdk';
import type { MatchmakeResult, RejoinResult, Session } from '../../shared/api';
import type { NodeInfo } from '../../shared/protocol';
import type { ArenaState } from '../../shared/schema';
import { nextMessage } from './rooms';

/** A JSON call to an API instance; throws with the status and body on any non-2xx. */
export async function api<T>(base: string, path: string, init: { method?: string; token?: string; body?: unknown } = {}): Promise<{ status: number; body: T }> {
  const res = await fetch(`${base}${path}`, {
    method: init.method ?? 'GET',
    headers: {
      ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
    },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  return { status: res.status, body: (await res.json()) as T };
}

/**
 * A scripted player over real sockets: logs in through the API, is seated
 * through the API, connects straight to the host node, steers towards orbs,
 * and can follow its room to a new node the way the browser does.
 */
export class TestPlayer {
  session!: Session;
  room!: Room<any, ArenaState>;
  node!: NodeInfo;
  /** Newest tick and own score seen from the host. */
  lastTick = 0;
  lastScore = 0;
  private seq = 0;

  constructor(readonly name: string, readonly apiUrls: string[]) {}

  async login(): Promise<this> {
    const { status, body } = await api<Session>(this.apiUrls[0]!, '/v1/auth/guest', { method: 'POST', body: { name: this.name } });
    if (status !== 200) throw new Error(`login failed: ${status} ${JSON.stringify(body)}`);
    this.session = body;
    return this;
  }

  async play(mode: 'stateful' | 'checkpointed', apiIndex = 0): Promise<this> {
    const { status, body } = await api<MatchmakeResult>(this.apiUrls[apiIndex % this.apiUrls.length]!, '/v1/matchmake', {
      method: 'POST', token: this.session.accessToken, body: { mode },
    });
    if (status !== 200) throw new Error(`matchmake failed: ${status} ${JSON.stringify(body)}`);
    await this.connect(body.reservation);
    return this;
  }

  /**
   * Asks the API for a seat back in the same room until it gets one (409 room/restoring
   * means a restore is under way). Returns the answer and how long it took.
   */
  async rejoin(apiIndex = 0, deadlineMs = 10_000): Promise<{ result: RejoinResult; ms: number; asks: number }> {
    const t0 = performance.now();
    const roomId = this.room.roomId;
    for (let attempt = 0; ; attempt++) {
      const base = this.apiUrls[(apiIndex + attempt) % this.apiUrls.length]!;
      const res = await api<RejoinResult & { code?: string }>(base, `/v1/rooms/${roomId}/rejoin`, { method: 'POST', token: this.session.accessToken }).catch(() => null);
      if (res?.status === 200) {
        await this.connect(res.body.reservation);
        return { result: res.body, ms: performance.now() - t0, asks: attempt + 1 };
      }
      if (res && res.status !== 409 && res.status !== 503) throw new Error(`rejoin refused: ${res.status} ${JSON.stringify(res.body)}`);
      if (performance.now() - t0 > deadlineMs) throw new Error(`no seat back in ${roomId} within ${deadlineMs} ms`);
      await new Promise((r) => setTimeout(r, 100)); // the API asked us to retry shortly
    }
  }

  me() {
    return this.room.state.players?.get(this.room.sessionId);
  }

  /** Sends one input per server tick towards the nearest orb. */
  steer(): void {
    this.room.onStateChange((state) => {
      this.lastTick = state.tick;
      const p = this.me();
      if (!p) return;
      this.lastScore = p.score;
      let best: { x: number; y: number } | undefined;
      let bestD = Infinity;
      state.orbs.forEach((o) => {
        const d = (o.x - p.x) ** 2 + (o.y - p.y) ** 2;
        if (d < bestD) [best, bestD] = [o, d];
      });
      if (!best || !this.room.connection.isOpen) return;
      const target: { x: number; y: number } = best;
      const dx = Math.abs(target.x - p.x) < 4 ? 0 : Math.sign(target.x - p.x);
      const dy = Math.abs(target.y - p.y) < 4 ? 0 : Math.sign(target.y - p.y);
      this.room.send('input', { seq: ++this.seq, dx, dy });
    });
  }

  private async connect(reservation: unknown): Promise<void> {
    const r = reservation as { publicAddress: string };
    const client = new Client(`http://${r.publicAddress}`);
    const room = await client.consumeSeatReservation<ArenaState>(reservation as never);
    room.reconnection.enabled = false; // a dead host is not coming back: follow the room instead
    room.onMessage('alive', () => {}); // a paused room's keepalive (HEARTBEAT): nothing here reads it
    const node = nextMessage<NodeInfo>(room, 'node');
    this.room = room;
    this.seq = 0;
    this.node = await node;
  }

  close(): void {
    if (this.room?.connection.isOpen) this.room.connection.close();
  }
}
