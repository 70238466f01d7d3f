import type { ClusterStatus, SeatReservation } from '../../shared/api';
import { ARENA_ROOM, type RoomMode } from '../../shared/protocol';
import { BotApi, type ApiSample } from './api';
import { Bot, PING_INTERVAL_MS, sleep, type LossRecord } from './bot';

export interface FleetOptions {
  apiUrls: string[];
  players: number;
  mode: RoomMode;
  /**
   * Players per room. The API's matchmaker fills any room with space (up to the
   * rules' 16), so a smaller group is seated directly on the game nodes'
   * Colyseus matchmaker (create, then joinById), still with the API's token.
   * Undefined = let the API place everyone.
   */
  perRoom?: number;
  tickRate?: number;
  /** Logins and joins in flight at once. */
  concurrency?: number;
  faultAt?: () => number | null;
  rejoinTimeoutMs?: number;
  namePrefix?: string;
}

/** Players in play per node at one moment (epoch ms). */
export interface Occupancy {
  at: number;
  byNode: Record<string, number>;
  recovering: number;
}

/**
 * N bots driven by one timer (not one per bot: a thousand 50 ms intervals cost
 * more than the bots). Samples who is in play on which node for the charts.
 */
export class BotFleet {
  readonly bots: Bot[] = [];
  readonly apiSamples: ApiSample[] = [];
  readonly occupancy: Occupancy[] = [];
  startedAt = 0;
  #timer: NodeJS.Timeout | undefined;
  #sampler: NodeJS.Timeout | undefined;
  readonly #groups = new Map<number, Promise<{ roomId: string; address: string }>>();
  #nodes: string[] = [];

  constructor(readonly options: FleetOptions) {
    const api = new BotApi(options.apiUrls, this.apiSamples);
    const per = options.perRoom;
    for (let i = 0; i < options.players; i++) {
      this.bots.push(new Bot({
        api,
        name: `${options.namePrefix ?? 'bot'}-${i}`,
        mode: options.mode,
        faultAt: options.faultAt,
        rejoinTimeoutMs: options.rejoinTimeoutMs,
        seat: per && per < 16 ? (bot) => this.#seat(bot, Math.floor(i / per), i % per === 0) : undefined,
      }));
    }
  }

  /** Seats every bot (bounded concurrency) and starts the input and heartbeat clock. Resolves with how many failed to join. */
  async start(onProgress?: (joined: number) => void): Promise<number> {
    this.startedAt = Date.now();
    const tickMs = 1000 / (this.options.tickRate ?? 20);
    const pingEvery = Math.max(1, Math.round(PING_INTERVAL_MS / tickMs));
    let n = 0;
    this.#timer = setInterval(() => {
      const ping = ++n % pingEvery === 0;
      for (const bot of this.bots) {
        bot.step();
        bot.checkSilence(); // every tick: finer than HEARTBEAT.checkMs
        if (ping) bot.ping();
      }
    }, tickMs);
    this.#sampler = setInterval(() => this.#sample(), 100);
    this.#sample();
    let next = 0;
    let joined = 0;
    let failed = 0;
    const worker = async () => {
      while (next < this.bots.length) {
        const bot = this.bots[next++]!;
        try {
          await bot.start();
          joined++;
        } catch {
          failed++;
        }
        onProgress?.(joined);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.options.concurrency ?? 20, this.bots.length) }, worker));
    return failed;
  }

  /** Every bot leaves between matches (or at `graceMs`), then the clocks stop. */
  async stop(graceMs = 0): Promise<void> {
    const deadline = Date.now() + graceMs;
    await Promise.all(this.bots.map((b) => b.stop(deadline)));
    clearInterval(this.#timer);
    clearInterval(this.#sampler);
    this.#sample();
  }

  inPlay(): number {
    return this.bots.filter((b) => b.inPlay).length;
  }

  /** Node id → bots in play there. */
  byNode(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const b of this.bots) if (b.inPlay && b.node) out[b.node.nodeId] = (out[b.node.nodeId] ?? 0) + 1;
    return out;
  }

  losses(): LossRecord[] {
    return this.bots.flatMap((b) => b.losses);
  }

  /** Resolves when `predicate` holds, checked every 20 ms; false at the timeout. */
  async until(predicate: () => boolean, timeoutMs: number): Promise<boolean> {
    const end = Date.now() + timeoutMs;
    while (!predicate()) {
      if (Date.now() > end) return false;
      await sleep(20);
    }
    return true;
  }

  #sample(): void {
    this.occupancy.push({ at: Date.now(), byNode: this.byNode(), recovering: this.bots.filter((b) => b.phase === 'recovering').length });
  }

  /** Direct seating for exact room sizes: the group's first bot creates a room on the next node, the rest join it by id. */
  async #seat(bot: Bot, group: number, leader: boolean): Promise<SeatReservation | null> {
    const token = bot.session!.accessToken;
    const body = { name: bot.options.name, mode: this.options.mode, token };
    if (leader) {
      const created = (async () => {
        const address = await this.#nextNode(group);
        const reservation = await matchmake(address, `create/${ARENA_ROOM}`, body);
        return { roomId: reservation.roomId, address, reservation };
      })();
      this.#groups.set(group, created);
      return (await created).reservation;
    }
    for (let i = 0; i < 500 && !this.#groups.has(group); i++) await sleep(10);
    const room = await this.#groups.get(group);
    if (!room) throw new Error(`group ${group} has no room`);
    return matchmake(room.address, `joinById/${room.roomId}`, body);
  }

  async #nextNode(group: number): Promise<string> {
    if (this.#nodes.length === 0) {
      const api = new BotApi(this.options.apiUrls);
      const cluster = await api.request<ClusterStatus>('GET', '/v1/cluster');
      this.#nodes = cluster.nodes.filter((n) => n.state === 'alive').map((n) => n.address).sort();
      if (this.#nodes.length === 0) throw new Error('no live game node');
    }
    return this.#nodes[group % this.#nodes.length]!;
  }
}

async function matchmake(address: string, path: string, body: unknown): Promise<SeatReservation> {
  const res = await fetch(`http://${address}/matchmake/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(8000),
  });
  if (!res.ok) throw new Error(`matchmake ${path} on ${address}: ${res.status} ${await res.text()}`);
  return (await res.json()) as SeatReservation;
}
