import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RoomMode } from '../../shared/protocol';
import { sleep } from '../../server/bots/bot';
import { BenchStack } from '../support/stack';
import { cpuMeter, spawnTs, stopChild } from '../support/proc';
import { CORES, pin, prioritise } from '../support/pin';
import { fetchMetrics, histogramDelta, histogramQuantile } from '../support/prometheus';
import { LoadGroup, type LoadSample } from './generators';
import { percentile } from '../../shared/stats';

/** What one window on one loaded server measured. */
export interface Window {
  /** Clients in play at the end of the window. */
  joined: number;
  rooms: number;
  /** Server CPU, cores (user + system from /proc over the window). */
  cores: number;
  /** The load generators' own CPU, cores (all their processes): near the load core's 1.0, they were the limit. */
  generatorCores: number;
  generatorProcesses: number;
  /** Server resident set at the end of the window, MB. */
  rssMb: number;
  bytesPerSec: number;
  bytesPerClientPerSec: number;
  messagesPerClientPerSec: number;
  /** Times a bot (or raw client) lost its host since it was seated. */
  botLosses: number;
}

export interface GameNodeRun extends Window {
  mode: RoomMode;
  bots: number;
  tickDurationMs: { p50: number; p99: number; count: number };
  /** How late room steps started against their fixed schedule (the node's statecraft_tick_lateness_seconds). */
  tickLatenessMs: { p50: number; p99: number };
  /**
   * Deaths of this (live) node the API saw since it started, and the times a bot gave it up since
   * it was seated (no message for HEARTBEAT.silenceMs): each one a false death.
   */
  falseDeaths: number;
}

export interface RawRun extends Window {
  clients: number;
  patchBytes: number;
  /** How late the raw server's tick timer ran over the window: the floor the same traffic sets on this machine. */
  tickLatenessMs: { p50: number; p99: number };
}

export interface BenchWindow {
  bots: number;
  perRoom: number;
  warmupMs: number;
  windowMs: number;
  log: (line: string) => void;
  /** Write a CPU profile of the game node over the measuring window into this directory. */
  profileDir?: string;
}

const PROFILER = fileURLToPath(new URL('../support/cpu-profile.mjs', import.meta.url));

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : Number.NaN;
}

/** One measurement window: the server's CPU, the generators' CPU and the traffic they saw. */
async function measureWindow(pid: number, load: LoadGroup, windowMs: number): Promise<Window> {
  const before: LoadSample = await load.sample();
  const cpu = cpuMeter(pid);
  const t0 = performance.now();
  await sleep(windowMs);
  const used = cpu.stop();
  const after = await load.sample();
  const seconds = (performance.now() - t0) / 1000;
  const joined = after.inPlay;
  const bytesPerSec = (after.bytesIn - before.bytesIn) / seconds;
  return {
    joined,
    rooms: after.rooms,
    cores: used.cores,
    generatorCores: (after.cpuSeconds - before.cpuSeconds) / seconds,
    generatorProcesses: load.processes,
    rssMb: rssMb(pid),
    bytesPerSec,
    bytesPerClientPerSec: bytesPerSec / Math.max(1, joined),
    messagesPerClientPerSec: (after.messagesIn - before.messagesIn) / Math.max(1, joined) / seconds,
    botLosses: after.losses,
  };
}

/** A game node with its tick metrics, loaded by bots in their own processes: measure as players are added. */
export class LoadedGameNode {
  readonly stack = new BenchStack();
  readonly load = new LoadGroup();
  #address = '';
  #pid = 0;

  /** `light`: the players are light clients (light-client.ts), not bots: the capacity curve's, so the load core holds more of them. */
  constructor(readonly mode: RoomMode, readonly perRoom: number, private readonly log: (line: string) => void, readonly light = false) {}

  #profileDir: string | undefined;

  /** With `profileDir`, every server process preloads the profiler (support/cpu-profile.mjs); the game node's window is profiled. */
  async start(profileDir?: string): Promise<void> {
    this.#profileDir = profileDir;
    const profiling: Record<string, string> = profileDir ? { NODE_OPTIONS: `--import ${PROFILER}`, CPU_PROFILE_DIR: resolve(profileDir) } : {};
    await this.stack.start({ gameNodes: 1, apis: 1, faultPoints: false, env: { MATCH_SECONDS: '3600', LOG_LEVEL: 'error', ...profiling } });
    const node = this.stack.cluster!.get('node-1');
    this.#address = `127.0.0.1:${node.spec.port}`;
    this.#pid = node.pid!;
    pin(this.#pid, CORES.server);
    if (this.stack.redis?.pid) prioritise(this.stack.redis.pid);
  }

  /** The node's Prometheus metrics right now. */
  scrape(): ReturnType<typeof fetchMetrics> {
    return fetchMetrics(this.#address);
  }

  async addPlayers(n: number): Promise<number> {
    this.log(`game node (${this.mode}): seating ${n} more ${this.light ? 'light clients' : 'bots'} (${this.load.size + n} in all)`);
    return this.load.addBots({ apiUrls: this.stack.apiUrls, players: n, perRoom: this.perRoom, mode: this.mode, light: this.light }, (line) => this.log(`game node (${this.mode}): ${line}`));
  }

  async measure(windowMs: number): Promise<GameNodeRun> {
    this.log(`game node (${this.mode}): measuring ${windowMs / 1000} s with ${this.load.size} bots`);
    const before = await fetchMetrics(this.#address);
    if (this.#profileDir) process.kill(this.#pid, 'SIGUSR2'); // start profiling
    const w = await measureWindow(this.#pid, this.load, windowMs);
    if (this.#profileDir) process.kill(this.#pid, 'SIGUSR2'); // write the profile
    const after = await fetchMetrics(this.#address);
    const api = await fetchMetrics(new URL(this.stack.apiUrls[0]!).host);
    let falseDeaths = 0;
    for (const [key, v] of api) if (key.startsWith('statecraft_node_deaths_seen_total')) falseDeaths += v;
    const tick = histogramDelta(before, after, 'statecraft_tick_duration_seconds');
    const late = histogramDelta(before, after, 'statecraft_tick_lateness_seconds');
    return {
      mode: this.mode,
      bots: this.load.size,
      ...w,
      tickDurationMs: { p50: histogramQuantile(tick, 0.5) * 1000, p99: histogramQuantile(tick, 0.99) * 1000, count: tick.count },
      tickLatenessMs: { p50: histogramQuantile(late, 0.5) * 1000, p99: histogramQuantile(late, 0.99) * 1000 },
      falseDeaths: falseDeaths + w.botLosses,
    };
  }

  async stop(): Promise<void> {
    await this.load.stop();
    await this.stack.stop();
  }
}

/** N bots in rooms of `perRoom` on one game node: the node's CPU, tick times and traffic over a window. */
export async function benchGameNode(mode: RoomMode, w: BenchWindow): Promise<GameNodeRun> {
  const node = new LoadedGameNode(mode, w.perRoom, w.log);
  try {
    await node.start(w.profileDir);
    await node.addPlayers(w.bots);
    await sleep(w.warmupMs);
    return await node.measure(w.windowMs);
  } finally {
    await node.stop();
  }
}

/**
 * The same traffic on a bare `ws` server: as many clients in rooms of the same
 * size, the same patch size and rate, inputs at the tick rate and pings as often as the bots ping.
 */
export async function benchRawWs(clients: number, perRoom: number, bytesPerClientPerSec: number, w: BenchWindow): Promise<RawRun> {
  const tickRate = 20;
  const patchBytes = Math.max(1, Math.round(bytesPerClientPerSec / tickRate));
  const profiling: Record<string, string> = w.profileDir ? { NODE_OPTIONS: `--import ${PROFILER}`, CPU_PROFILE_DIR: resolve(w.profileDir) } : {};
  const { child, hello } = await spawnTs<{ port: number }>('bench/gamenode/raw-server.ts', [String(tickRate), String(patchBytes)], profiling);
  pin(child.pid!, CORES.server);
  const load = new LoadGroup();
  try {
    w.log(`raw ws: connecting ${clients} clients`);
    await load.addRaw(`ws://127.0.0.1:${hello.port}`, clients, perRoom);
    await sleep(w.warmupMs);
    w.log(`raw ws: measuring ${w.windowMs / 1000} s`);
    if (w.profileDir) child.kill('SIGUSR2');
    const latenessUrl = `http://127.0.0.1:${hello.port}/lateness`;
    await fetch(latenessUrl); // starts the window's samples
    const window = await measureWindow(child.pid!, load, w.windowMs);
    const late = (await (await fetch(latenessUrl)).json()) as number[];
    if (w.profileDir) child.kill('SIGUSR2');
    return { clients, patchBytes, ...window, tickLatenessMs: { p50: percentile(late, 50), p99: percentile(late, 99) } };
  } finally {
    await load.stop();
    await stopChild(child);
  }
}
