import { afterAll, beforeAll, expect, it } from 'vitest';
import { isErrorCode } from '../../../shared/errors';
import { Rng } from '../../../shared/rules/rng';
import { startRedis, type TestRedis } from '../../support/redis';
import { harness, login, type Harness } from './harness';

// Seeded fuzzing of every route the API serves (read from its own OpenAPI document, plus the hidden
// ones): malformed bodies, queries and params get a 4xx with a code from the registry, never a 5xx,
// and change nothing in Redis (boards, sessions, seats).
const SEED = 0xf022;
const CASES_PER_ROUTE = 60;
let redis: TestRedis | undefined;
let h: Harness | undefined;
let token = '';

afterAll(async () => {
  await h?.close();
  await redis?.stop();
});
beforeAll(async () => {
  redis = await startRedis();
  h = await harness(redis.url);
  token = (await login(h.app, 'Fuzz')).accessToken;
  const standings = Array.from({ length: 12 }, (_, i) => ({ playerId: `p-${i}`, name: `P${i}`, score: i }));
  await h.stores.leaderboards.recordMatch({ matchId: 'fuzz-room:1', match: 1, standings });
});

const HOSTILE = ['__proto__', 'constructor', 'prototype', 'cursor', 'limit', 'name', 'mode', 'maxPlayers', 'refreshToken', 'toString'];
const STRINGS = ['', '-1', '1e9', '9999999999', 'NaN', 'Infinity', '0x10', '[]', '{}', 'null', '..%2F..', '%00', '%E0%A4%A', '<script>', "' OR 1=1 --", '💥'.repeat(40)];

function text(rng: Rng): string {
  if (rng.int(3) === 0) return 'x'.repeat(1 + rng.int(3000));
  if (rng.int(2) === 0) return STRINGS[rng.int(STRINGS.length)]!;
  return String.fromCharCode(...Array.from({ length: 1 + rng.int(40) }, () => 32 + rng.int(0x2000)));
}

function junk(rng: Rng, depth = 0): unknown {
  switch (rng.int(depth > 2 ? 3 : 6)) {
    case 0: return [NaN, -1, 1e308, 2 ** 53 + 1, 0.5, 17, 0][rng.int(7)];
    case 1: return text(rng);
    case 2: return [null, true, false][rng.int(3)];
    case 3: return Array.from({ length: rng.int(4) }, () => junk(rng, depth + 1));
    default: return Object.fromEntries(Array.from({ length: 1 + rng.int(4) }, () => [HOSTILE[rng.int(HOSTILE.length)]!, junk(rng, depth + 1)]));
  }
}

/** A request body no route accepts: broken JSON, a poisoned prototype, an extra field, a wrong type, or too big. */
function body(rng: Rng): { payload: string; contentType: string } {
  const json = 'application/json';
  switch (rng.int(7)) {
    case 0: return { payload: ['{', '{"name":', '[1,', '{"a":1}}', 'nul', '"\\u12"'][rng.int(6)]!, contentType: json };
    case 1: return { payload: `{"name":"Ann","__proto__":${JSON.stringify(junk(rng) ?? null)}}`, contentType: json };
    case 2: return { payload: `{"constructor":{"prototype":{"admin":true}},"refreshToken":"${'a'.repeat(43)}"}`, contentType: json };
    case 3: return { payload: JSON.stringify({ name: 'Ann', mode: 'stateful', [`x${rng.int(99)}`]: junk(rng) }), contentType: json };
    case 4: return { payload: JSON.stringify({ name: 'x'.repeat(9000) }), contentType: json };
    case 5: return { payload: 'name=Ann', contentType: ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data'][rng.int(3)]! };
    default: return { payload: JSON.stringify([junk(rng), junk(rng)]), contentType: json };
  }
}

function query(rng: Rng): string {
  const pairs = Array.from({ length: 1 + rng.int(3) }, () => `${encodeURIComponent(HOSTILE[rng.int(HOSTILE.length)]!)}=${encodeURIComponent(text(rng))}`);
  return `?${pairs.join('&')}`;
}

/** Everything in this app's Redis that a request could change (not the per-instance request counter). */
async function storeSnapshot(): Promise<string[]> {
  const keys = (await h!.redis.keys('*')).filter((k) => !k.includes(':api-requests:')).sort();
  const out: string[] = [];
  for (const key of keys) out.push(`${key}=${JSON.stringify(await h!.redis.dump(key))}`);
  return out;
}

it(`answers ${CASES_PER_ROUTE} seeded malformed requests per route with a 4xx and a registry code, changing nothing`, async () => {
  type Operation = { parameters?: unknown[]; requestBody?: unknown; security?: unknown[] };
  const doc = (await h!.app.inject({ method: 'GET', url: '/docs/json' })).json<{ paths: Record<string, Record<string, Operation>> }>();
  const routes = Object.entries(doc.paths).flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => ({
    method: method.toUpperCase(), path, takesInput: Boolean(op.parameters?.length || op.requestBody || op.security?.length),
  })));
  routes.push(
    { method: 'GET', path: '/metrics', takesInput: false },
    { method: 'GET', path: '/no/such/route', takesInput: true },
    { method: 'DELETE', path: '/v1/leaderboards/{board}', takesInput: true },
  );
  expect(routes.length).toBeGreaterThanOrEqual(10);
  const before = await storeSnapshot();
  const seatsBefore = h!.matchmaker.calls.length;
  const rng = new Rng(SEED);
  const seen = new Map<string, Set<number>>();

  for (const route of routes) {
    for (let i = 0; i < CASES_PER_ROUTE; i++) {
      const url = route.path.replace(/\{[^}]+\}/g, () => encodeURIComponent(text(rng)).slice(0, 2000)) + (rng.int(2) === 0 ? query(rng) : '');
      const headers: Record<string, string> = {};
      if (rng.int(3) > 0) headers.authorization = rng.int(2) === 0 ? `Bearer ${token}` : `Bearer ${text(rng)}`;
      const hasBody = route.method === 'POST' || route.method === 'DELETE';
      const b = hasBody ? body(rng) : null;
      if (b) headers['content-type'] = b.contentType;
      const res = await h!.app.inject({ method: route.method as 'GET', url, headers, ...(b ? { payload: b.payload } : {}) });
      const where = `${route.method} ${url.slice(0, 120)} ${b?.payload.slice(0, 80) ?? ''} → ${res.statusCode} ${res.body.slice(0, 200)}`;
      expect(res.statusCode, where).toBeLessThan(500);
      if (res.statusCode >= 400) {
        const error = res.json<{ code: unknown; statusCode: unknown }>();
        expect(isErrorCode(error.code), where).toBe(true);
        expect(error.statusCode, where).toBe(res.statusCode);
      }
      // Writes must refuse every malformed body: a 2xx is only allowed for a read.
      if (route.method !== 'GET') expect(res.statusCode, where).toBeGreaterThanOrEqual(400);
      const key = `${route.method} ${route.path}`;
      if (route.takesInput) seen.set(key, (seen.get(key) ?? new Set()).add(res.statusCode));
    }
  }
  expect(await storeSnapshot()).toEqual(before);
  expect(h!.matchmaker.calls.length).toBe(seatsBefore);
  // Every route that takes input refused at least something: the fuzzing reached its validation.
  expect(seen.size).toBeGreaterThanOrEqual(8);
  for (const [key, statuses] of seen) expect([...statuses].some((s) => s >= 400), key).toBe(true);
}, 60_000);
