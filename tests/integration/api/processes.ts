import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../../server/supervisor/ports';

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

/** A game node and API instances on one Redis, each a real process as the supervisor starts them. */
export interface Servers {
  game: Child;
  apis: Child[];
  gamePort: number;
  /** `http://127.0.0.1:<port>` of each API instance, in order (api-1, api-2, ...). */
  apiUrls: string[];
  /** Kills every one of them. */
  stop(): Promise<void>;
}

/**
 * Game node `node-1`, ready, then `apis` API instances (default 1), ready, over `redisUrl` with a
 * fresh JWT secret. `env` goes to all of them (it may set its own JWT_SECRET), `apiEnv` to the APIs.
 */
export async function startServers(redisUrl: string, options: { apis?: number; env?: Record<string, string>; apiEnv?: Record<string, string> } = {}): Promise<Servers> {
  const env = { REDIS_URL: redisUrl, JWT_SECRET: randomBytes(32).toString('base64url'), PUBLIC_HOST: '127.0.0.1', ...options.env };
  const gamePort = await freePort();
  const game = spawnServer('server/game/main.ts', { ...env, NODE_ID: 'node-1', GAME_PORT: String(gamePort) });
  const children = [game];
  const stop = async () => {
    await Promise.all(children.map((c) => c.kill()));
  };
  try {
    await whenReady(game);
    const ports: number[] = [];
    for (let i = 0; i < (options.apis ?? 1); i++) ports.push(await freePort());
    const apis = ports.map((port, i) => spawnServer('server/api/server.ts', { ...env, ...options.apiEnv, API_ID: `api-${i + 1}`, API_PORT: String(port) }));
    children.push(...apis);
    await Promise.all(apis.map((a) => whenReady(a)));
    return { game, apis, gamePort, apiUrls: ports.map((p) => `http://127.0.0.1:${p}`), stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
