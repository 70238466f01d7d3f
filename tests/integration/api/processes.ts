import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

/** A server process (tsx entry) that reports readiness over IPC (`notifyReady`). */
export interface Child {
  process: ChildProcess;
  output: string;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export function spawnServer(entry: string, env: Record<string, string>): Child {
  const child = spawn(process.execPath, ['--import', 'tsx', entry], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  const handle: Child = {
    process: child,
    output: '',
    kill: async (signal = 'SIGKILL') => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill(signal);
      await once(child, 'exit');
    },
  };
  child.stdout!.on('data', (c: Buffer) => (handle.output += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (handle.output += c.toString()));
  return handle;
}

/** Resolves on the child's `{type: 'ready'}` IPC message; rejects if it exits first or the deadline passes. */
export function whenReady(child: Child, ms = 30_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`not ready after ${ms} ms:\n${child.output}`)), ms);
    const onMessage = (m: unknown): void => {
      if ((m as { type?: string }).type !== 'ready') return;
      cleanup();
      resolve();
    };
    const onExit = (code: number | null): void => fail(new Error(`exited with ${code} before ready:\n${child.output}`));
    const fail = (err: Error): void => {
      cleanup();
      reject(err);
    };
    const cleanup = (): void => {
      clearTimeout(timer);
      child.process.off('message', onMessage);
      child.process.off('exit', onExit);
    };
    child.process.on('message', onMessage);
    child.process.once('exit', onExit);
  });
}
