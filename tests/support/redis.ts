import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../server/supervisor/ports';
import { startRedisServer } from '../../server/supervisor/redis';
import { afterAll, beforeAll } from 'vitest';
import type { Redis } from 'ioredis';
import { createRedis, redisReady } from '../../server/common/redis';

export interface TestRedis {
  url: string;
  port: number;
  process: ChildProcess;
  /** SIGKILL: the store crashes (its append-only file keeps what it had synced). */
  kill(): Promise<void>;
  /** Starts it again on the same port with the same data directory. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts a private `redis-server` on a free port (data in a temp dir), so tests
 * never touch the Redis a running demo uses (Colyseus keys are unprefixed and
 * tests delete them). Resolves once it accepts connections.
 */
export async function startRedis(): Promise<TestRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'statecraft-redis-'));
  const launch = async () => {
    const child = await startRedisServer(port, dir).catch((err: Error) => {
      throw new Error(`could not start redis-server (is it installed?): ${err.message}`);
    });
    child.stdout?.resume();
    child.stderr?.resume();
    return child;
  };
  const kill = async (child: ChildProcess) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
  };
  const redis: TestRedis = {
    url: `redis://127.0.0.1:${port}`,
    port,
    process: await launch(),
    kill: () => kill(redis.process),
    restart: async () => {
      await kill(redis.process);
      redis.process = await launch();
    },
    stop: async () => {
      await kill(redis.process);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return redis;
}

/**
 * A private redis-server and one client on it for the whole test file, both
 * stopped after it (cleanup registered before each is started). Read
 * `redis` and `server` inside tests: they are set once `beforeAll` has run.
 */
export function usePrivateRedis(): { readonly redis: Redis; readonly server: TestRedis } {
  let server: TestRedis | undefined;
  let redis: Redis | undefined;
  const cleanups: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });
  beforeAll(async () => {
    cleanups.push(async () => server?.stop());
    server = await startRedis();
    cleanups.push(async () => redis?.quit());
    redis = createRedis(server.url, { role: 'test' });
    await redisReady(redis, 5000);
  });
  return {
    get redis() {
      if (!redis) throw new Error('usePrivateRedis: read redis inside a test, after beforeAll');
      return redis;
    },
    get server() {
      if (!server) throw new Error('usePrivateRedis: read server inside a test, after beforeAll');
      return server;
    },
  };
}
