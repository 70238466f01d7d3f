import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { freePort } from '../../../server/supervisor/ports';
import { startRedis, type TestRedis } from '../../support/redis';
import { pipelinedGets } from '../../support/pipeline';
import { spawnServer, whenReady, type Child } from './processes';

// A real API process over its own redis-server, swept with 300,000 distinct leaderboard cursors
// (300 times what the page cache may hold; the unbounded map of old kept 326 MB after a million,
// ~100 MB after these): its heap (read from its own /metrics) must stay flat, because every cache
// is bounded. Every cursor misses the cache and reads Redis: on a slow 2-core VM (8,000 req/s)
// a million took over 120 s.
const CURSORS = 300_000;
const MAX_GROWTH_MB = 20;
const WARM_UP = 20_000;
let redis: TestRedis | undefined;
let api: Child | undefined;
let port = 0;

afterAll(async () => {
  await api?.kill();
  await redis?.stop();
});
beforeAll(async () => {
  redis = await startRedis();
  port = await freePort();
  api = spawnServer('server/api/server.ts', {
    REDIS_URL: redis.url, JWT_SECRET: randomBytes(32).toString('base64url'), API_ID: 'api-1', API_PORT: String(port),
    // The sweep is one client: the per-IP limit would stop it long before it proves anything.
    RATE_LIMIT_MAX: '0',
    // A modest old-space cap makes V8 run full GCs during the sweep, so the heap it keeps
    // (nodejs_heap_live_bytes) is measured fresh; a leak of the old kind (326 MB) dies here outright.
    NODE_OPTIONS: '--max-old-space-size=160',
  });
  await whenReady(api);
});

/** Heap the API keeps (measured after its last full GC) and heap used right now, in MB, from its own /metrics. */
async function heapMb(): Promise<{ live: number; used: number; fullGcs: number }> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const read = (name: string): number => {
    const m = new RegExp(`^${name} (\\d+(?:\\.\\d+)?)`, 'm').exec(text);
    if (!m) throw new Error(`no ${name} in /metrics`);
    return Number(m[1]) / 2 ** 20;
  };
  const gcs = /^nodejs_gc_duration_seconds_count\{kind="major"\} (\d+)/m.exec(text);
  return { live: read('nodejs_heap_live_bytes'), used: read('nodejs_heap_size_used_bytes'), fullGcs: Number(gcs?.[1] ?? 0) };
}

it(`keeps the API heap within ${MAX_GROWTH_MB} MB over ${CURSORS.toLocaleString('en')} distinct leaderboard cursors`, async () => {
  const path = (i: number): string => `/v1/leaderboards/score-best?cursor=${i}&limit=${1 + (i % 100)}`;
  // Warm up (JIT, pools, the cache filling to its bound), then measure from there.
  const warm = await pipelinedGets(port, WARM_UP, path);
  expect(warm.get(200)).toBe(WARM_UP);
  const before = await heapMb();
  const started = performance.now();
  const swept = await pipelinedGets(port, CURSORS, (i) => path(WARM_UP + i));
  const seconds = (performance.now() - started) / 1000;
  const after = await heapMb();
  console.log(`${CURSORS} cursors in ${seconds.toFixed(1)} s (${Math.round(CURSORS / seconds)} req/s); `
    + `heap kept ${before.live.toFixed(1)} → ${after.live.toFixed(1)} MB (${after.fullGcs - before.fullGcs} full GCs), used ${before.used.toFixed(1)} → ${after.used.toFixed(1)} MB`);
  expect([...swept]).toEqual([[200, CURSORS]]);
  expect(after.fullGcs, 'a full GC ran during the sweep, so the kept heap is fresh').toBeGreaterThan(before.fullGcs);
  expect(after.live - before.live).toBeLessThan(MAX_GROWTH_MB);
}, 180_000);
