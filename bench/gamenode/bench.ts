import { WebSocket } from 'ws';
import { HEARTBEAT, type RoomMode } from '../../shared/protocol';
import { BotFleet } from '../../server/bots/fleet';
import { sleep } from '../../server/bots/bot';
import { BenchStack } from '../support/stack';
import { cpuMeter, spawnTs, stopChild } from '../support/proc';
import { fetchMetrics, histogramDelta, histogramQuantile } from '../support/prometheus';

export interface GameNodeRun {
  mode: RoomMode;
  bots: number;
  joined: number;
  rooms: number;
  cores: number;
  tickDurationMs: { p50: number; p99: number; count: number };
  /** How late room steps started against their fixed schedule (the node's statecraft_tick_lateness_seconds). */
  tickLatenessMs: { p50: number; p99: number };
  bytesPerClientPerSec: number;
  messagesPerClientPerSec: number;
}

export interface RawRun {
  clients: number;
  cores: number;
  patchBytes: number;
  bytesPerClientPerSec: number;
  messagesPerClientPerSec: number;
}

export interface BenchWindow {
  bots: number;
  perRoom: number;
  warmupMs: number;
  windowMs: number;
  log: (line: string) => void;
}

/** N bots in rooms of `perRoom` on one game node: the node's CPU, tick times and traffic over a window. */
export async function benchGameNode(mode: RoomMode, w: BenchWindow): Promise<GameNodeRun> {
  const stack = new BenchStack();
  let fleet: BotFleet | null = null;
  try {
    await stack.start({ gameNodes: 1, apis: 1, faultPoints: false, env: { MATCH_SECONDS: '3600', LOG_LEVEL: 'error' } });
    const node = stack.cluster!.get('node-1');
    const address = `127.0.0.1:${node.spec.port}`;
    fleet = new BotFleet({ apiUrls: stack.apiUrls, players: w.bots, perRoom: w.perRoom, mode, concurrency: 25 });
    w.log(`game node (${mode}): seating ${w.bots} bots`);
    await fleet.start((n) => n % 100 === 0 && w.log(`game node (${mode}): ${n}/${w.bots} seated`));
    await sleep(w.warmupMs);
    w.log(`game node (${mode}): measuring ${w.windowMs / 1000} s`);
    const before = await fetchMetrics(address);
    const bytes0 = fleet.bots.reduce((a, b) => a + b.bytesIn, 0);
    const msgs0 = fleet.bots.reduce((a, b) => a + b.messagesIn, 0);
    const cpu = cpuMeter(node.pid!);
    const t0 = performance.now();
    await sleep(w.windowMs);
    const used = cpu.stop();
    const seconds = (performance.now() - t0) / 1000;
    const after = await fetchMetrics(address);
    const joined = fleet.bots.filter((b) => b.inPlay).length;
    const tick = histogramDelta(before, after, 'statecraft_tick_duration_seconds');
    const late = histogramDelta(before, after, 'statecraft_tick_lateness_seconds');
    return {
      mode,
      bots: w.bots,
      joined,
      rooms: new Set(fleet.bots.map((b) => b.node?.roomId)).size,
      cores: used.cores,
      tickDurationMs: { p50: histogramQuantile(tick, 0.5) * 1000, p99: histogramQuantile(tick, 0.99) * 1000, count: tick.count },
      tickLatenessMs: { p50: histogramQuantile(late, 0.5) * 1000, p99: histogramQuantile(late, 0.99) * 1000 },
      bytesPerClientPerSec: (fleet.bots.reduce((a, b) => a + b.bytesIn, 0) - bytes0) / joined / seconds,
      messagesPerClientPerSec: (fleet.bots.reduce((a, b) => a + b.messagesIn, 0) - msgs0) / joined / seconds,
    };
  } finally {
    await fleet?.stop(0);
    await stack.stop();
  }
}

/**
 * The same traffic on a bare `ws` server: as many clients in rooms of the same
 * size, the same patch size and rate, inputs at the tick rate and pings as often as the bots ping.
 */
export async function benchRawWs(clients: number, perRoom: number, bytesPerClientPerSec: number, w: BenchWindow): Promise<RawRun> {
  const tickRate = 20;
  const patchBytes = Math.max(1, Math.round(bytesPerClientPerSec / tickRate));
  const { child, hello } = await spawnTs<{ port: number }>('bench/gamenode/raw-server.ts', [String(tickRate), String(patchBytes)]);
  const sockets: WebSocket[] = [];
  let bytes = 0;
  let msgs = 0;
  let timer: NodeJS.Timeout | undefined;
  try {
    w.log(`raw ws: connecting ${clients} clients`);
    for (let i = 0; i < clients; i += 50) {
      await Promise.all(Array.from({ length: Math.min(50, clients - i) }, (_, j) => new Promise<void>((resolve, reject) => {
        const ws = new WebSocket(`ws://127.0.0.1:${hello.port}/?room=${Math.floor((i + j) / perRoom)}`, { perMessageDeflate: false });
        ws.on('message', (data: Buffer) => {
          bytes += data.length;
          msgs++;
        });
        ws.once('open', () => resolve());
        ws.once('error', reject);
        sockets.push(ws);
      })));
    }
    const input = Buffer.from([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    const ping = Buffer.from([1, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    let n = 0;
    timer = setInterval(() => {
      const doPing = ++n % Math.max(1, Math.round(HEARTBEAT.pingMs / (1000 / tickRate))) === 0;
      for (const ws of sockets) {
        ws.send(input);
        if (doPing) ws.send(ping);
      }
    }, 1000 / tickRate);
    await sleep(w.warmupMs);
    w.log(`raw ws: measuring ${w.windowMs / 1000} s`);
    const cpu = cpuMeter(child.pid!);
    const b0 = bytes;
    const m0 = msgs;
    const t0 = performance.now();
    await sleep(w.windowMs);
    const used = cpu.stop();
    const seconds = (performance.now() - t0) / 1000;
    return { clients, cores: used.cores, patchBytes, bytesPerClientPerSec: (bytes - b0) / clients / seconds, messagesPerClientPerSec: (msgs - m0) / clients / seconds };
  } finally {
    clearInterval(timer);
    for (const ws of sockets) ws.terminate();
    await stopChild(child);
  }
}
