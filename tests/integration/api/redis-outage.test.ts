import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Session } from '../../../shared/api';
import { startRedis, type TestRedis } from '../../support/redis';
import { startServers, type Child, type Servers } from './processes';

// A real API process (standalone Colyseus matchmaker, whose presence and driver
// connections queue for as long as the store is gone) and a real game node, over a
// real redis-server SIGKILLed for OUTAGE_MS and started again on the same port.
const OUTAGE_MS = Number(process.env.API_OUTAGE_MS ?? 5000);
let redis: TestRedis | undefined;
let servers: Servers | undefined;
let api = '';
let apiProcess: Child | undefined;

afterAll(async () => {
  await servers?.stop();
  await redis?.stop();
});
beforeAll(async () => {
  redis = await startRedis();
  // info: the store watch's transitions are WARN lines; everything per request is debug.
  servers = await startServers(redis.url, { apiEnv: { LOG_LEVEL: 'info' } });
  apiProcess = servers.apis[0];
  api = servers.apiUrls[0]!;
}, 60_000);

interface Answer { status: number; code: string | undefined; retryAfter: string | null; ms: number }

async function call(path: string, init: { method?: string; body?: unknown; token?: string } = {}): Promise<Answer> {
  const started = performance.now();
  const res = await fetch(api + path, {
    method: init.method ?? (init.body ? 'POST' : 'GET'),
    headers: { ...(init.body ? { 'content-type': 'application/json' } : {}), ...(init.token ? { authorization: `Bearer ${init.token}` } : {}) },
    ...(init.body ? { body: JSON.stringify(init.body) } : {}),
  });
  const text = await res.text();
  const ms = performance.now() - started;
  let code: string | undefined;
  try {
    code = (JSON.parse(text) as { code?: string }).code;
  } catch {
    code = undefined;
  }
  return { status: res.status, code, retryAfter: res.headers.get('retry-after'), ms };
}

/** Every route that needs the store, with a valid request for each. */
function storeRoutes(session: Session): [string, () => Promise<Answer>][] {
  const token = session.accessToken;
  return [
    ['POST /v1/auth/guest', () => call('/v1/auth/guest', { body: { name: 'Cy' } })],
    ['POST /v1/auth/refresh', () => call('/v1/auth/refresh', { body: { refreshToken: session.refreshToken } })],
    ['GET /v1/leaderboards/:board', () => call('/v1/leaderboards/score-best')],
    ['GET /v1/leaderboards/:board/around/:playerId', () => call(`/v1/leaderboards/score-best/around/${session.playerId}`)],
    ['GET /v1/players/me', () => call('/v1/players/me', { token })],
    ['POST /v1/matchmake', () => call('/v1/matchmake', { body: { mode: 'stateful' }, token })],
    ['POST /v1/rooms/:roomId/rejoin', () => call('/v1/rooms/no-such-room/rejoin', { method: 'POST', token })],
    ['GET /v1/cluster', () => call('/v1/cluster')],
  ];
}

/** The API's log lines at WARN or above (pino JSON on its stdout). */
function warnings(): { msg: string; level: number }[] {
  return apiProcess!.output.split('\n').filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { msg: string; level: number })
    .filter((l) => l.level >= 40);
}

async function metric(name: string): Promise<number> {
  const line = (await (await fetch(`${api}/metrics`)).text()).split('\n').find((l) => l.startsWith(name));
  if (!line) throw new Error(`${name} not on /metrics`);
  return Number(line.split(' ').pop());
}

it('lists in its API docs which routes need the store', async () => {
  const doc = await (await fetch(`${api}/docs/json`)).json() as { paths: Record<string, Record<string, { description?: string; responses: Record<string, unknown> }>> };
  const needs = Object.entries(doc.paths).flatMap(([path, ops]) => Object.entries(ops)
    .filter(([, op]) => op.description?.includes('Needs the store')).map(([method]) => `${method.toUpperCase()} ${path}`));
  expect(needs.sort()).toEqual(['GET /v1/cluster/', 'GET /v1/leaderboards/{board}', 'GET /v1/leaderboards/{board}/around/{playerId}', 'GET /v1/players/me',
    'POST /v1/auth/guest', 'POST /v1/auth/refresh', 'POST /v1/matchmake/', 'POST /v1/rooms/{roomId}/rejoin']);
  for (const [, ops] of Object.entries(doc.paths)) {
    for (const op of Object.values(ops)) if (op.description?.includes('Needs the store')) expect(op.responses).toHaveProperty('503');
  }
});

it(`answers every store route with a fast 503 during a ${OUTAGE_MS / 1000} s store outage, logs each transition once, and is back within 2 s`, async () => {
  const session = (await (await fetch(`${api}/v1/auth/guest`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":"Ann"}' })).json()) as Session;
  // The refresh route consumes its token: only one refresh per session before the outage.
  const routes = storeRoutes(session);
  const warnsBefore = warnings().length;

  await redis!.kill();
  const killedAt = performance.now();
  // At once (the API may not even have seen the socket close yet), and again once it has.
  const seen: Answer[] = [];
  for (const round of [0, 1]) {
    if (round === 1) await expect.poll(async () => (await call('/health/ready')).status, { timeout: 5000, interval: 25 }).toBe(503);
    for (const [name, request] of routes) {
      const answer = await request();
      seen.push(answer);
      expect(answer, name).toMatchObject({ status: 503, code: 'redis/unavailable', retryAfter: '1' });
      expect(answer.ms, `${name} took ${answer.ms.toFixed(1)} ms`).toBeLessThan(100);
    }
  }
  // Store-free routes keep working; tokens are still verified (a JWT needs no store).
  expect(await call('/health/live')).toMatchObject({ status: 200 });
  expect(await call('/health/ready')).toMatchObject({ status: 503 });
  expect(await call('/docs/json')).toMatchObject({ status: 200 });
  expect(await call('/v1/matchmake', { body: { mode: 'stateful' }, token: 'not-a-jwt' })).toMatchObject({ status: 401, code: 'auth/invalid' });
  // Requests a second into the outage: nothing has queued up behind the store.
  await new Promise((r) => setTimeout(r, Math.max(0, OUTAGE_MS - (performance.now() - killedAt)))); // the fault's length
  for (const [name, request] of routes) expect((await request()).ms, name).toBeLessThan(100);

  await redis!.restart();
  const backAt = performance.now();
  // Fully back: every store route answers as it would without an outage (the refresh token was never used).
  await expect.poll(async () => {
    const answers = await Promise.all(storeRoutes(session).filter(([name]) => name !== 'POST /v1/auth/refresh').map(([, r]) => r()));
    return answers.every((a) => a.status !== 503);
  }, { timeout: 2000, interval: 25 }).toBe(true);
  const backMs = performance.now() - backAt;
  expect(await call('/health/ready')).toMatchObject({ status: 200 });
  // The matchmaker is really back: a seat on the game node.
  expect(await call('/v1/matchmake', { body: { mode: 'stateful' }, token: session.accessToken })).toMatchObject({ status: 200 });

  // One WARN per transition: lost, back. No stack trace per refused request.
  await expect.poll(() => warnings().length - warnsBefore, { timeout: 1000, interval: 25 }).toBeGreaterThanOrEqual(2);
  expect(warnings().slice(warnsBefore).map((w) => w.msg)).toEqual([
    expect.stringContaining('store lost'), expect.stringContaining('store back'),
  ]);
  expect(apiProcess!.output).not.toMatch(/\n\s+at /);
  expect(await metric('statecraft_unhandled_rejections_total')).toBe(0);
  expect(apiProcess!.process.exitCode).toBeNull();
  const slowest = Math.max(...seen.map((a) => a.ms));
  console.log(`API during a ${OUTAGE_MS} ms store outage: ${seen.length} store requests, all 503, slowest ${slowest.toFixed(1)} ms; every route back ${backMs.toFixed(0)} ms after the store's return`);
}, OUTAGE_MS + 30_000);
