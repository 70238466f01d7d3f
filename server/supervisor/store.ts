import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { parseStoreAddress } from '../common/redis';
import { FaultError } from './faults';
import { redisAnswers, startRedisServer } from './redis';

/** The id of the store in GET /processes and the target of its faults (`npm run chaos -- kill redis`). */
export const STORE_ID = 'redis';
export const STORE_FAULTS = ['kill', 'restart'] as const;

/** The store as GET /processes lists it (next to the game nodes and API instances). */
export interface StoreProcess {
  id: typeof STORE_ID;
  kind: 'redis';
  port: number;
  pid: number | null;
  state: 'starting' | 'alive' | 'dead';
  lastExit: string | null;
  /** Null when its faults can be injected; otherwise why not (the supervisor did not start it). */
  reason: string | null;
  /** `single`: one server; `ha`: a primary, a replica and Sentinels (`port` and `pid` are the primary's). */
  mode?: 'single' | 'ha';
  /** `ha` only: every server and Sentinel. */
  members?: StoreMember[];
}

/** One server or Sentinel of a replicated store. */
export interface StoreMember {
  id: string;
  role: 'primary' | 'replica' | 'sentinel';
  port: number;
  pid: number | null;
  state: 'alive' | 'dead';
}

/**
 * The store as the cluster sees it, whichever shape it has: one server ({@link ManagedStore}) or a
 * replicated one (`SentinelStore`). It lists itself in GET /processes and takes faults on `targets`.
 */
export interface SupervisedStore {
  /** The store address every process connects to (REDIS_URL). */
  readonly url: string;
  readonly mode: 'single' | 'ha';
  /** Whether the supervisor started it (and so may kill and restart it). */
  readonly managed: boolean;
  /** Null when its faults can be injected; otherwise why not. */
  readonly reason: string | null;
  /** Fault targets it answers to (`redis`, `redis-primary`). */
  readonly targets: readonly string[];
  info(): StoreProcess;
  inject(fault: string, target: string): Promise<string>;
  stop(): Promise<void>;
}

/** An external store is checked at most this often (the page polls GET /processes twice a second). */
const EXTERNAL_CHECK_MS = 2000;

/**
 * The local cluster's Redis. When the supervisor started `redis-server` itself
 * it can crash it (SIGKILL) and start it again on the same port with the same
 * data directory; a Redis that was already answering belongs to someone else,
 * and its faults are refused with the reason.
 */
export class ManagedStore implements SupervisedStore {
  readonly mode = 'single' as const;
  readonly targets = [STORE_ID] as const;
  #child: ChildProcess | null;
  #state: StoreProcess['state'];
  #lastExit: string | null = null;
  #checkedAt = 0;

  private constructor(readonly url: string, child: ChildProcess | null, private readonly dataDir: string | null, readonly reason: string | null) {
    this.#child = null;
    this.#state = 'alive';
    if (child) this.#adopt(child);
  }

  /** A `redis-server` the supervisor started on `url`'s port with its data in `dataDir`. */
  static started(url: string, child: ChildProcess, dataDir: string): ManagedStore {
    return new ManagedStore(url, child, dataDir, null);
  }

  /** A Redis that answered at `url` before the supervisor looked: not ours to kill. */
  static external(url: string): ManagedStore {
    return new ManagedStore(url, null, null, parseStoreAddress(url).kind === 'sentinel'
      ? `The store at ${url} is found through Sentinels the supervisor did not start, so it will not kill or restart any of it.`
      : `Redis at ${url} was already running when the cluster started; the supervisor did not start it, so it will not kill or restart it. Stop it and run npm start again to let the supervisor start its own.`);
  }

  get port(): number {
    const address = parseStoreAddress(this.url);
    return address.kind === 'sentinel' ? address.sentinels[0]!.port : Number(new URL(address.url).port || 6379);
  }

  get managed(): boolean {
    return this.dataDir !== null;
  }

  info(): StoreProcess {
    if (!this.managed) this.#checkExternal();
    return { id: STORE_ID, kind: 'redis', port: this.port, pid: this.#child?.pid ?? null, state: this.#state, lastExit: this.#lastExit, reason: this.reason, mode: 'single' };
  }

  /** Injects `fault` (kill or restart); anything else, or a store that is not ours, is a {@link FaultError}. */
  async inject(fault: string, _target: string = STORE_ID): Promise<string> {
    if (!this.managed) throw new FaultError('control/invalid', this.reason!);
    switch (fault) {
      case 'kill': {
        const child = this.#child;
        if (!child) throw new FaultError('control/invalid', `${STORE_ID} is not running (${this.#lastExit ?? 'never started'}): restart it first.`);
        const exited = once(child, 'exit');
        child.kill('SIGKILL');
        await exited;
        return `${STORE_ID} killed (SIGKILL, pid ${child.pid}); every process keeps running and reconnects when it is back`;
      }
      case 'restart': {
        if (this.#child) throw new FaultError('control/invalid', `${STORE_ID} is still running (pid ${this.#child.pid}): kill it first.`);
        this.#state = 'starting';
        try {
          this.#adopt(await startRedisServer(this.port, this.dataDir!));
        } catch (err) {
          this.#state = 'dead';
          throw err;
        }
        return `${STORE_ID} restarted on port ${this.port} with its data (pid ${this.#child!.pid})`;
      }
      default:
        throw new FaultError('control/invalid', `${STORE_ID} takes ${STORE_FAULTS.join(' and ')} only.`);
    }
  }

  /** Stops a store we started (the supervisor's own shutdown). */
  async stop(): Promise<void> {
    const child = this.#child;
    if (!child) return;
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    await exited;
  }

  #adopt(child: ChildProcess): void {
    this.#child = child;
    this.#state = 'alive';
    // redis-server logs to stdout: nobody reads it, and a full pipe would stall it.
    child.stdout?.resume();
    child.stderr?.resume();
    child.once('exit', (code, signal) => {
      if (this.#child !== child) return;
      this.#child = null;
      this.#state = 'dead';
      this.#lastExit = signal ?? `exit ${code}`;
    });
  }

  #checkExternal(): void {
    if (performance.now() - this.#checkedAt < EXTERNAL_CHECK_MS) return;
    this.#checkedAt = performance.now();
    redisAnswers(this.url).then((up) => {
      this.#state = up ? 'alive' : 'dead';
    }, () => {});
  }
}
