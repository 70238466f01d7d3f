import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../server/supervisor/ports';
import { startRedisServer } from '../../server/supervisor/redis';

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
