import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { RoomMode } from '../../shared/protocol';
import type { GeneratorCommand, GeneratorSample } from './generator';
import { CORES, pin } from '../support/pin';
import { stopChild } from '../support/proc';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** Bots per generator process: one process saturates near 2000 (STACK-NOTES), so stay well under. */
export const BOTS_PER_GENERATOR = 1000;

/** One load-generator process (generator.ts) on the load core. */
class Generator {
  #waiters = new Map<string, ((message: never) => void)[]>();

  private constructor(readonly child: ChildProcess) {
    child.on('message', (message: { type: string }) => {
      const waiter = this.#waiters.get(message.type)?.shift();
      waiter?.(message as never);
    });
  }

  static async start(): Promise<Generator> {
    const child = fork('bench/gamenode/generator.ts', [], { cwd: ROOT, execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    pin(child.pid!, CORES.load);
    const g = new Generator(child);
    await Promise.race([
      g.#next<{ type: 'ready' }>('ready'),
      new Promise((_, reject) => child.once('exit', (code) => reject(new Error(`load generator exited (${code}) before it was ready`)))),
    ]);
    return g;
  }

  #next<T>(type: string): Promise<T> {
    return new Promise<T>((resolve) => {
      const list = this.#waiters.get(type) ?? [];
      list.push(resolve as (message: never) => void);
      this.#waiters.set(type, list);
    });
  }

  async ask<T>(command: GeneratorCommand, reply: string): Promise<T> {
    const answer = this.#next<T>(reply);
    this.child.send(command);
    return answer;
  }

  async stop(): Promise<void> {
    if (this.child.connected) this.child.send({ type: 'stop' } satisfies GeneratorCommand);
    const exited = this.child.exitCode !== null ? Promise.resolve() : new Promise((r) => this.child.once('exit', r));
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
    await stopChild(this.child);
  }
}

/** What every generator saw, summed. */
export interface LoadSample {
  bytesIn: number;
  messagesIn: number;
  inPlay: number;
  losses: number;
  rooms: number;
  cpuSeconds: number;
}

/**
 * The load generators of one measurement: bots (or raw clients) spread over
 * processes of at most {@link BOTS_PER_GENERATOR}, which can grow step by step
 * (the capacity curve adds players to a running node).
 */
export class LoadGroup {
  readonly #generators: Generator[] = [];
  #bots = 0;

  get size(): number {
    return this.#bots;
  }

  get processes(): number {
    return this.#generators.length;
  }

  /** Adds `players` bots, or light clients (through the API either way), in new processes; resolves with how many took their seat. */
  async addBots(options: { apiUrls: string[]; players: number; perRoom: number; mode: RoomMode; light?: boolean }, onProgress?: (line: string) => void): Promise<number> {
    const chunks = split(options.players, BOTS_PER_GENERATOR);
    const gens = await Promise.all(chunks.map(() => Generator.start()));
    this.#generators.push(...gens);
    const seated = await Promise.all(gens.map((g, i) => g.ask<{ joined: number }>({
      type: options.light ? 'light' : 'bots', apiUrls: options.apiUrls, players: chunks[i]!, perRoom: options.perRoom, mode: options.mode,
      namePrefix: `g${this.#generators.length - gens.length + i}`,
    }, 'seated').then((r) => {
      onProgress?.(`${r.joined}/${chunks[i]} seated by generator ${i + 1}/${gens.length}`);
      return r.joined;
    })));
    this.#bots += options.players;
    return seated.reduce((a, b) => a + b, 0);
  }

  /** Adds `clients` raw ws clients of `url` (ws://host:port), in rooms of `perRoom` numbered after the existing ones. */
  async addRaw(url: string, clients: number, perRoom: number): Promise<number> {
    const chunks = split(clients, BOTS_PER_GENERATOR);
    const gens = await Promise.all(chunks.map(() => Generator.start()));
    this.#generators.push(...gens);
    let base = Math.ceil(this.#bots / perRoom);
    const joined = await Promise.all(gens.map((g, i) => {
      const roomBase = base;
      base += Math.ceil(chunks[i]! / perRoom);
      return g.ask<{ joined: number }>({ type: 'raw', url, clients: chunks[i]!, perRoom, roomBase }, 'seated').then((r) => r.joined);
    }));
    this.#bots += clients;
    return joined.reduce((a, b) => a + b, 0);
  }

  async sample(): Promise<LoadSample> {
    const samples = await Promise.all(this.#generators.map((g) => g.ask<GeneratorSample>({ type: 'sample' }, 'sample')));
    return {
      bytesIn: samples.reduce((a, s) => a + s.bytesIn, 0),
      messagesIn: samples.reduce((a, s) => a + s.messagesIn, 0),
      inPlay: samples.reduce((a, s) => a + s.inPlay, 0),
      losses: samples.reduce((a, s) => a + s.losses, 0),
      rooms: new Set(samples.flatMap((s) => s.rooms)).size,
      cpuSeconds: samples.reduce((a, s) => a + s.cpuSeconds, 0),
    };
  }

  async stop(): Promise<void> {
    await Promise.all(this.#generators.splice(0).map((g) => g.stop()));
    this.#bots = 0;
  }
}

/** `n` in chunks of at most `max`, as even as possible (1000 + 1000, not 1000 + 1). */
function split(n: number, max: number): number[] {
  const parts = Math.max(1, Math.ceil(n / max));
  return Array.from({ length: parts }, (_, i) => Math.floor(n / parts) + (i < n % parts ? 1 : 0));
}
