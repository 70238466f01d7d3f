import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type autocannon from 'autocannon';
import { startRedisServer } from '../../server/supervisor/redis';
import { freePort } from '../../server/supervisor/ports';
import { cpuSeconds, spawnTs, stopChild } from '../support/proc';
import { CORES, pin, prioritise } from '../support/pin';
import { percentile } from '../../shared/stats';

export interface ApiCase {
  name: string;
  requestsPerSec: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  non2xx: number;
  errors: number;
  /** Cores the server used while answering (its CPU seconds over the run's duration). */
  serverCores: number;
  /** Server CPU per request, µs. */
  serverUsPerRequest: number;
  /** Cores autocannon itself used (its own process): near 1.0, the generator was the limit. */
  generatorCores: number;
  /** Cores Redis used meanwhile (on the load core with autocannon: the two together near 1.0, that core was the limit). */
  storeCores: number;
}

export interface ApiRatios { submitVsHello: number; top10VsHello: number; meVsHello: number; authVsOpen: number }

export interface ApiBenchResult {
  durationSeconds: number;
  connections: number;
  rounds: number;
  /** Each route's round with the median req/s. */
  cases: Record<string, ApiCase>;
  /** The median over the rounds of each round's ratio (a round measures every route once, hello-world first). */
  ratios: ApiRatios;
  perRound: ApiRatios[];
}

const median = (values: number[]): number => percentile(values, 50);

/**
 * Autocannon against each route in turn, in `rounds` interleaved rounds (hello-world, then every
 * route, then again), in one run; targets run in their own processes. This machine's speed drifts
 * within minutes: a ratio is taken within each round, and each ratio's median over the rounds reported.
 */
export async function benchApi(options: { durationSeconds: number; connections: number; rounds?: number; log: (line: string) => void }): Promise<ApiBenchResult> {
  const rounds = Math.max(1, options.rounds ?? 3);
  const dir = mkdtempSync(join(tmpdir(), 'statecraft-bench-api-'));
  const redisPort = await freePort();
  const redis = await startRedisServer(redisPort, dir);
  if (redis.pid) prioritise(redis.pid); // ahead of autocannon on the load core
  redis.stdout?.resume();
  const hello = await spawnTs<{ port: number }>('bench/api/target.ts', ['hello']);
  const api = await spawnTs<{ port: number; token: string }>('bench/api/target.ts', ['api', `redis://127.0.0.1:${redisPort}`], { LOG_LEVEL: 'silent' });
  // The servers under test on their own core; Redis and autocannon stay on the load core with the bench.
  for (const child of [hello.child, api.child]) pin(child.pid!, CORES.server);
  const targetOf = (url: string) => (url.includes(`:${hello.hello.port}/`) ? hello.child.pid! : api.child.pid!);
  try {
    const base = `http://127.0.0.1:${api.hello.port}`;
    const auth = { authorization: `Bearer ${api.hello.token}` };
    // A board with a few thousand players, so reads are not of an empty set.
    await run('seed', `${base}/bench/submit`, { method: 'POST', amount: 2000 });
    const plan: [string, string, Partial<autocannon.Options>][] = [
      ['hello-world', `http://127.0.0.1:${hello.hello.port}/`, {}],
      ['leaderboard-submit', `${base}/bench/submit`, { method: 'POST' }],
      ['leaderboard-top10', `${base}/v1/leaderboards/score-total?limit=10`, {}],
      ['players-me-auth', `${base}/v1/players/me`, { headers: auth }],
      ['players-me-open', `${base}/bench/me-open`, {}],
    ];
    const runs: Record<string, ApiCase>[] = [];
    for (let round = 1; round <= rounds; round++) {
      const cases: Record<string, ApiCase> = {};
      for (const [name, url, extra] of plan) {
        options.log(`api: round ${round}/${rounds}: ${name}`);
        cases[name] = await run(name, url, { duration: options.durationSeconds, ...extra });
      }
      runs.push(cases);
    }
    const perRound = runs.map((cases): ApiRatios => {
      const rps = (k: string) => cases[k]!.requestsPerSec;
      return {
        submitVsHello: rps('leaderboard-submit') / rps('hello-world'),
        top10VsHello: rps('leaderboard-top10') / rps('hello-world'),
        meVsHello: rps('players-me-auth') / rps('hello-world'),
        authVsOpen: rps('players-me-auth') / rps('players-me-open'),
      };
    });
    const medianCase = (name: string): ApiCase => {
      const byRate = runs.map((r) => r[name]!).sort((a, b) => a.requestsPerSec - b.requestsPerSec);
      return byRate[Math.floor((byRate.length - 1) / 2)]!;
    };
    return {
      durationSeconds: options.durationSeconds,
      connections: options.connections,
      rounds,
      cases: Object.fromEntries(plan.map(([name]) => [name, medianCase(name)])),
      ratios: {
        submitVsHello: median(perRound.map((r) => r.submitVsHello)),
        top10VsHello: median(perRound.map((r) => r.top10VsHello)),
        meVsHello: median(perRound.map((r) => r.meVsHello)),
        authVsOpen: median(perRound.map((r) => r.authVsOpen)),
      },
      perRound,
    };
  } finally {
    await Promise.all([stopChild(hello.child), stopChild(api.child)]);
    redis.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }

  async function run(name: string, url: string, extra: Partial<autocannon.Options>): Promise<ApiCase> {
    const target = targetOf(url);
    const cpu0 = cpuSeconds(target);
    const store0 = cpuSeconds(redis.pid!);
    const { child, hello: result } = await spawnTs<Omit<ApiCase, 'name' | 'serverCores' | 'serverUsPerRequest'> & { seconds: number; requests: number }>(
      'bench/support/autocannon-worker.ts', [JSON.stringify({ url, connections: options.connections, ...extra })]);
    await stopChild(child);
    // The server idles while the worker boots, so its CPU seconds are (almost) all the run's.
    const used = cpuSeconds(target) - cpu0;
    const store = cpuSeconds(redis.pid!) - store0;
    const { seconds, requests, ...rest } = result;
    return { name, ...rest, serverCores: used / seconds, serverUsPerRequest: requests > 0 ? (used / requests) * 1e6 : Number.NaN, storeCores: store / seconds };
  }
}
