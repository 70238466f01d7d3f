import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, expect, it } from 'vitest';
import { CLOSE_LIMIT_MS } from '../../../server/common/lifecycle';
import { freePort } from '../../../server/supervisor/ports';
import { startRedis, type TestRedis } from '../../support/redis';
import { spawnServer, whenReady } from '../api/processes';

// A shutdown that cannot finish: the store froze (SIGSTOP: its sockets stay open and nothing
// answers), so a game node's goodbye to it never completes. Before the close limit, a node
// stopped then never exited, and a supervisor asked twice left it behind as an orphan.
const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
let redis: TestRedis | undefined;
const pids = new Set<number>();

/** Running (a killed child nobody has reaped yet is a zombie: dead, though it still has a pid). */
const alive = (pid: number): boolean => {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
};

afterEach(async () => {
  redis?.process.kill('SIGCONT');
  for (const pid of pids) if (alive(pid)) process.kill(pid, 'SIGKILL');
  pids.clear();
  await redis?.stop();
  redis = undefined;
});

it('a game node stopped while its store is frozen exits once its close limit passes, and says why', async () => {
  redis = await startRedis();
  const game = spawnServer('server/game/main.ts', {
    REDIS_URL: redis.url, JWT_SECRET: randomBytes(32).toString('base64url'), NODE_ID: 'node-1', GAME_PORT: String(await freePort()), LOG_LEVEL: 'info',
  });
  pids.add(game.process.pid!);
  await whenReady(game);
  redis.process.kill('SIGSTOP');
  const exited = once(game.process, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  const t0 = performance.now();
  game.process.kill('SIGINT');
  const [code, signal] = await exited;
  const after = performance.now() - t0;
  expect({ code, signal }).toEqual({ code: 1, signal: null });
  expect(after).toBeGreaterThanOrEqual(CLOSE_LIMIT_MS - 50); // it did wait for a clean close first
  expect(after).toBeLessThan(CLOSE_LIMIT_MS + 4000);
  expect(game.output).toContain('shutdown did not finish in time: exiting anyway');
}, 30_000);

it('the supervisor asked twice to stop kills every process it started, even one whose close hangs', async () => {
  redis = await startRedis();
  const [web, gamePort, apiPort] = [await freePort(), await freePort(), await freePort()];
  const supervisor = spawn(process.execPath, ['--import', 'tsx', 'server/supervisor/main.ts', '--nodes', '1', '--no-web', '--no-control'], {
    cwd: ROOT,
    env: { ...process.env, REDIS_URL: redis.url, WEB_PORT: String(web), GAME_PORT: String(gamePort), API_PORTS: String(apiPort), FAULT_POINTS: 'off', CONTROL_PORT: '0', LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  pids.add(supervisor.pid!);
  let output = '';
  const seen = (text: string) => new Promise<void>((resolve, reject) => {
    const check = () => {
      if (!output.includes(text)) return;
      supervisor.stdout!.off('data', check);
      resolve();
    };
    supervisor.stdout!.on('data', check);
    supervisor.once('exit', (code) => reject(new Error(`the supervisor exited (${code}) before "${text}":\n${output}`)));
    check();
  });
  for (const stream of [supervisor.stdout!, supervisor.stderr!]) stream.on('data', (c: Buffer) => (output += c.toString()));
  await seen('the entry point'); // the table printed once everything is up
  // Its table names each process and its pid.
  const children = ['node-1', 'api-1'].map((id) => Number(new RegExp(`^(?:game node|API)\\s+${id}\\s.*\\s(\\d+)\\s*$`, 'm').exec(output)?.[1]));
  expect(children.every((pid) => pid > 0 && alive(pid)), output).toBe(true);
  for (const pid of children) pids.add(pid);

  redis.process.kill('SIGSTOP');
  const exited = once(supervisor, 'exit');
  supervisor.kill('SIGINT');
  await seen('stopping...');
  // Beyond the window in which a second signal is the same Ctrl-C delivered twice.
  await expect.poll(() => output.includes('[node-1] shutting down'), { timeout: 5_000 }).toBe(true);
  await new Promise((r) => setTimeout(r, 600));
  expect(children.some(alive)).toBe(true); // node-1 is stuck saying goodbye to the frozen store
  supervisor.kill('SIGINT');
  await seen('stopping at once');
  await exited;
  // Gone with it, long before their own close limit would have ended them.
  await expect.poll(() => children.filter(alive), { timeout: 1_000, interval: 20 }).toEqual([]);
}, 60_000);
