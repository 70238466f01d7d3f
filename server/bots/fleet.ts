import type { RoomMode } from '../../shared/protocol';
import { BotApi, type ApiSample } from './api';
import { Bot, sleep, type LossRecord } from './bot';
import { paced } from './pace';

export interface FleetOptions {
  apiUrls: string[];
  players: number;
  mode: RoomMode;
  /** Players per room (2–16), asked of the API's matchmaker; undefined = its default (16). */
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
 * more than the bots), each in its own tenth of the tick as real players' inputs
 * would be (see {@link paced}). Samples who is in play on which node for the charts.
 */
export class BotFleet {
  readonly bots: Bot[] = [];
  readonly apiSamples: ApiSample[] = [];
  readonly occupancy: Occupancy[] = [];
  startedAt = 0;
  #stopClock: (() => void) | undefined;
  #sampler: NodeJS.Timeout | undefined;

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
        maxPlayers: per,
      }));
    }
  }

  /** Seats every bot (bounded concurrency) and starts the input and heartbeat clock. Resolves with how many failed to join. */
  async start(onProgress?: (joined: number) => void): Promise<number> {
    this.startedAt = Date.now();
    const tickMs = 1000 / (this.options.tickRate ?? 20);
    this.#stopClock = paced(tickMs, () => this.bots.length, (i) => {
      const bot = this.bots[i]!;
      bot.step();
      bot.heartbeat(); // every tick: finer than HEARTBEAT.checkMs
    });
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
    this.#stopClock?.();
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
}
