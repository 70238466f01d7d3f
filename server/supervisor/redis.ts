import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { Redis } from 'ioredis';
import { parseStoreAddress } from '../common/redis';

/** True when a Redis server answers PING at `url` within a second. */
export async function redisAnswers(url: string): Promise<boolean> {
  const client = probe(url);
  client.on('error', () => {});
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

/** A one-shot client that gives up at once: through Sentinels when `url` names them. */
function probe(url: string): Redis {
  const address = parseStoreAddress(url);
  const once = { lazyConnect: true, connectTimeout: 1000, maxRetriesPerRequest: 0, retryStrategy: () => null } as const;
  return address.kind === 'server'
    ? new Redis(address.url, once)
    : new Redis({ ...once, sentinels: address.sentinels, name: address.name, sentinelRetryStrategy: () => null });
}

export function redisServerInstalled(): boolean {
  return spawnSync('sh', ['-c', 'command -v redis-server'], { stdio: 'ignore' }).status === 0;
}

/**
 * Durability of the supervisor's own Redis servers: an append-only file synced once a second, so a
 * crash of the store (or of the machine) loses at most about a second of writes, and leaderboards and
 * player identities survive a restart. No RDB snapshots: the AOF alone is the record.
 */
export const PERSISTENCE_ARGS = ['--appendonly', 'yes', '--appendfsync', 'everysec', '--save', ''] as const;

/**
 * Starts `redis-server` for the local cluster with its data in `dir` (append-only
 * file), so leaderboards survive a restart. Resolves once it accepts connections.
 * `extra` goes on the command line as well (a replica's `--replicaof host port`).
 */
export async function startRedisServer(port: number, dir: string, extra: string[] = []): Promise<ChildProcess> {
  mkdirSync(dir, { recursive: true });
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, ...PERSISTENCE_ARGS, ...extra], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`redis-server exited with ${code}:\n${out}`)));
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('Ready to accept connections')) resolve();
    });
  });
  return child;
}

/** What a running Redis keeps on disk, as `npm start` reports it. */
export interface Persistence {
  aof: boolean;
  /** The `save` rules (RDB snapshots); empty = none. */
  save: string;
  /** Null when something survives a restart; otherwise what is lost, for the startup table. */
  warning: string | null;
}

/**
 * Reads a live server's persistence settings (CONFIG GET appendonly / save). A server that keeps
 * neither an AOF nor RDB snapshots loses every leaderboard and player identity when it restarts.
 * Null when CONFIG is refused (a managed Redis that renames it): nothing can be said.
 */
export async function readPersistence(url: string): Promise<Persistence | null> {
  const client = probe(url);
  client.on('error', () => {});
  try {
    await client.connect();
    const [, aof] = (await client.config('GET', 'appendonly')) as string[];
    const [, save = ''] = (await client.config('GET', 'save')) as string[];
    const on = aof === 'yes';
    const warning = on || save.trim() !== ''
      ? (on ? null : `RDB snapshots only (save "${save}"): writes since the last snapshot are lost when it restarts`)
      : 'keeps NOTHING on disk (appendonly no, save ""): a restart of this Redis loses every leaderboard and player identity';
    return { aof: on, save, warning };
  } catch {
    return null;
  } finally {
    client.disconnect();
  }
}
