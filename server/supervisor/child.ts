import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export type ChildKind = 'game' | 'api';
export type ChildState = 'starting' | 'alive' | 'frozen' | 'draining' | 'dead';

export interface ChildSpec {
  id: string;
  kind: ChildKind;
  /** Entry module, relative to the repository root. */
  entry: string;
  port: number;
  env: Record<string, string>;
  /**
   * A command the process is started through, e.g. `['ip', 'netns', 'exec', 'h1']` (the host
   * test puts each process in a network namespace of its own). It must exec, not fork: the
   * pid, the signals and the IPC channel are the process's own.
   */
  launcher?: string[];
}

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * One server process the supervisor owns. It runs under tsx with an IPC
 * channel, so it exits by itself if the supervisor dies (see common/lifecycle).
 */
export class ManagedChild {
  state: ChildState = 'dead';
  process: ChildProcess | null = null;
  /** How it last stopped: 'SIGKILL', 'exit 0', ... (for the cluster map and the CLI). */
  lastExit: string | null = null;
  private readyWaiters: { resolve: () => void; reject: (err: Error) => void }[] = [];

  constructor(readonly spec: ChildSpec, private readonly print: (id: string, line: string) => void) {}

  get pid(): number | undefined {
    return this.process?.pid;
  }

  start(): void {
    if (this.process) throw new Error(`${this.spec.id} is already running (pid ${this.process.pid})`);
    const [command, ...prefix] = [...(this.spec.launcher ?? []), process.execPath];
    const child = spawn(command!, [...prefix, '--import', 'tsx', this.spec.entry], {
      cwd: ROOT,
      env: { ...process.env, ...this.spec.env },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    this.process = child;
    this.state = 'starting';
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream! }).on('line', (line) => this.print(this.spec.id, line));
    }
    child.on('message', (msg: { type?: string }) => {
      if (msg?.type === 'ready' && this.state === 'starting') {
        this.state = 'alive';
        this.readyWaiters.splice(0).forEach((w) => w.resolve());
      }
    });
    child.once('exit', (code, signal) => {
      this.readyWaiters.splice(0).forEach((w) => w.reject(new Error(`${this.spec.id} exited (${signal ?? `code ${code}`}) before it was ready`)));
      this.lastExit = signal ?? `exit ${code}`;
      this.state = 'dead';
      this.process = null;
    });
  }

  /** Resolves when the process reports it is serving (or rejects if it exits first). */
  ready(): Promise<void> {
    if (this.state === 'alive') return Promise.resolve();
    if (!this.process) return Promise.reject(new Error(`${this.spec.id} is not running`));
    return new Promise((resolve, reject) => this.readyWaiters.push({ resolve, reject }));
  }

  /**
   * Sends `msg` over the IPC channel; resolves with the first reply of the same
   * `type`, or null if none came within `timeoutMs` (a frozen process reads it
   * when it wakes) or the process is not running.
   */
  request(msg: { type: string } & Record<string, unknown>, timeoutMs: number): Promise<Record<string, unknown> | null> {
    const child = this.process;
    if (!child?.connected) return Promise.resolve(null);
    return new Promise((resolve) => {
      const onMessage = (reply: { type?: string } & Record<string, unknown>) => {
        if (reply?.type === msg.type) finish(reply);
      };
      const onExit = () => finish(null);
      const timer = setTimeout(onExit, timeoutMs);
      const finish = (reply: Record<string, unknown> | null) => {
        clearTimeout(timer);
        child.off('message', onMessage);
        child.off('exit', onExit);
        resolve(reply);
      };
      child.on('message', onMessage);
      child.once('exit', onExit);
      child.send(msg, (err) => {
        if (err) finish(null);
      });
    });
  }

  signal(sig: NodeJS.Signals): void {
    if (!this.process) throw new Error(`${this.spec.id} is not running`);
    this.process.kill(sig);
  }

  /** Stops the process (SIGINT: at once, no drain), then kills it if it has not exited within `graceMs`. */
  async stop(graceMs = 5000): Promise<void> {
    const child = this.process;
    if (!child) return;
    const exited = once(child, 'exit');
    if (this.state === 'frozen') child.kill('SIGCONT');
    child.kill('SIGINT');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }
}
