import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INSTANCE_HEADER, type LeaderboardPage } from '../../../shared/api';
import { startRedis, type TestRedis } from '../../support/redis';
import { harness, login, type Harness } from './harness';

let redis: TestRedis | undefined;
let h: Harness | undefined;
const extra: Harness[] = [];
afterAll(async () => {
  for (const x of extra) await x.close();
  await h?.close();
  await redis?.stop();
});
beforeAll(async () => {
  redis = await startRedis();
  h = await harness(redis.url);
});

const get = (url: string, headers: Record<string, string> = {}) => h!.app.inject({ method: 'GET', url, headers });

describe('leaderboards', () => {
  beforeAll(async () => {
    const standings = Array.from({ length: 15 }, (_, i) => ({ playerId: `p-${String(i).padStart(2, '0')}`, name: `P${i}`, score: i % 5 }));
    await h!.stores.leaderboards.recordMatch({ matchId: 'room-a:1', match: 1, standings });
  });

  it('pages through the top with a cursor, ties by playerId', async () => {
    const first = await get('/v1/leaderboards/score-best?limit=10');
    expect(first.statusCode).toBe(200);
    const page = first.json<LeaderboardPage>();
    expect(page.entries[0]).toEqual({ rank: 1, playerId: 'p-04', name: 'P4', score: 4 });
    expect(page.entries.slice(0, 3).map((e) => e.playerId)).toEqual(['p-04', 'p-09', 'p-14']);
    expect(page.nextCursor).toBe('10');
    const second = (await get(`/v1/leaderboards/score-best?limit=10&cursor=${page.nextCursor}`)).json<LeaderboardPage>();
    expect(second.entries.map((e) => e.rank)).toEqual([11, 12, 13, 14, 15]);
    expect(second.nextCursor).toBeNull();
  });

  it('shows the entries around a player', async () => {
    const res = await get('/v1/leaderboards/score-total/around/p-02?limit=3');
    expect(res.statusCode).toBe(200);
    const ranks = res.json<LeaderboardPage>().entries.map((e) => e.rank);
    expect(ranks).toHaveLength(3);
    expect(res.json<LeaderboardPage>().entries[1]?.playerId).toBe('p-02');
  });

  it('answers unknown boards, unranked players and bad queries with stable codes', async () => {
    expect((await get('/v1/leaderboards/score-worst')).json()).toMatchObject({ code: 'leaderboard/not-found', statusCode: 404 });
    expect((await get('/v1/leaderboards/score-best/around/nobody')).json()).toMatchObject({ code: 'leaderboard/not-ranked', statusCode: 404 });
    for (const q of ['limit=0', 'limit=1000', 'limit=abc', 'cursor=-1', 'cursor=x', 'sort=asc']) {
      const res = await get(`/v1/leaderboards/score-best?${q}`);
      expect(res.statusCode, q).toBe(400);
      expect(res.json()).toMatchObject({ code: 'request/invalid' });
    }
  });

  it('counts a match recorded twice (and concurrently) exactly once', async () => {
    const result = { matchId: 'room-b:1', match: 1, standings: [{ playerId: 'solo', name: 'Solo', score: 50 }] };
    await Promise.all([1, 2, 3].map(() => h!.stores.leaderboards.record(result)));
    await h!.stores.leaderboards.record(result);
    const res = await get('/v1/leaderboards/score-total/around/solo?limit=1');
    expect(res.json<LeaderboardPage>().entries).toEqual([{ rank: 1, playerId: 'solo', name: 'Solo', score: 50 }]);
  });

  it("shows a player's standings on /v1/players/me", async () => {
    const session = await login(h!.app, 'Zed');
    await h!.stores.leaderboards.recordMatch({ matchId: 'room-c:1', match: 1, standings: [{ playerId: session.playerId, name: 'Zed', score: 3 }] });
    const res = await get('/v1/players/me', { authorization: `Bearer ${session.accessToken}` });
    const best = res.json().standings.find((s: { board: string }) => s.board === 'score-best-daily');
    expect(best).toMatchObject({ score: 3, rank: expect.any(Number) });
  });
});

describe('matchmaking and cluster', () => {
  it('returns a reservation for an authenticated player, 503 matchmake/no-nodes without game nodes', async () => {
    const session = await login(h!.app, 'Mia');
    const post = (payload: unknown, auth = true) => h!.app.inject({
      method: 'POST', url: '/v1/matchmake', payload: payload as object,
      headers: auth ? { authorization: `Bearer ${session.accessToken}` } : {},
    });
    const ok = await post({ mode: 'checkpointed' });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({ mode: 'checkpointed', reservation: { roomId: 'r1', sessionId: 's1' } });
    expect(h!.matchmaker.calls.at(-1)).toEqual({ player: { playerId: session.playerId, name: 'Mia' }, mode: 'checkpointed' });
    expect((await post({})).json().mode).toBe('stateful');
    expect((await post({ mode: 'chaotic' })).statusCode).toBe(400);
    expect((await post({}, false)).json()).toMatchObject({ code: 'auth/required' });
    h!.matchmaker.nodes = false;
    const none = await post({});
    h!.matchmaker.nodes = true;
    expect(none.statusCode).toBe(503);
    expect(none.json()).toMatchObject({ code: 'matchmake/no-nodes', statusCode: 503 });
  });

  it('lists game nodes, rooms and API instances with their request counts', async () => {
    await h!.stores.registry.heartbeat({ id: 'node-1', address: '127.0.0.1:2567', pid: 1, startedAt: 1, rooms: 1, players: 1, state: 'alive' });
    await h!.stores.registry.apiHeartbeat({ id: 'api-test', pid: process.pid, startedAt: 1 });
    const res = await get('/v1/cluster');
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.servedBy).toBe('api-test');
    expect(body.nodes).toEqual([expect.objectContaining({ id: 'node-1', state: 'alive' })]);
    expect(body.rooms).toEqual([{ id: 'r1', mode: 'stateful', nodeId: 'node-1', players: 1 }]);
    expect(body.apis[0]).toMatchObject({ id: 'api-test', alive: true });
    expect(body.apis[0].requests).toBeGreaterThan(5);
  });
});

describe('rejoining a checkpointed room', () => {
  it('answers with a seat and the new host, 410 room/lost for a room that is gone, and refuses bad input', async () => {
    const session = await login(h!.app, 'Rex');
    const post = (roomId: string, auth = true) => h!.app.inject({
      method: 'POST', url: `/v1/rooms/${roomId}/rejoin`,
      headers: auth ? { authorization: `Bearer ${session.accessToken}` } : {},
    });
    const ok = await post('r1');
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({ mode: 'checkpointed', nodeId: 'node-2', epoch: 2, restoredFromTick: 40, reservation: { roomId: 'r1' } });
    const gone = await post('r404');
    expect(gone.statusCode).toBe(410);
    expect(gone.json()).toMatchObject({ code: 'room/lost' });
    expect((await post('r1', false)).statusCode).toBe(401);
    const bad = await post('no%20spaces!');
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ code: 'request/invalid' });
  });
});

describe('hostile and odd requests', () => {
  const guest = (payload: string, contentType = 'application/json') =>
    h!.app.inject({ method: 'POST', url: '/v1/auth/guest', payload, headers: { 'content-type': contentType } });

  it('refuses an oversized body with 413 request/too-large', async () => {
    const res = await guest(JSON.stringify({ name: 'x'.repeat(20_000) }));
    expect(res.statusCode).toBe(413);
    expect(res.json()).toMatchObject({ code: 'request/too-large', statusCode: 413 });
  });

  it('refuses malformed JSON with 400 and says so', async () => {
    const res = await guest('{"name": "Ann",');
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('request/invalid');
    expect(res.json().message).toMatch(/JSON/);
  });

  it('refuses other content types with 415', async () => {
    expect((await guest('name=Ann', 'application/x-www-form-urlencoded')).json()).toMatchObject({ code: 'request/unsupported-media-type', statusCode: 415 });
  });

  it('answers unknown routes with route/not-found, still naming the instance', async () => {
    const res = await get('/v1/nope');
    expect(res.statusCode).toBe(404);
    expect(res.json().code).toBe('route/not-found');
    expect(res.headers[INSTANCE_HEADER]).toBe('api-test');
  });

  it('sends security headers and CORS for the game origin only', async () => {
    const res = await get('/health/live', { origin: 'http://localhost:8080' });
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['content-security-policy']).toBe("default-src 'none'; frame-ancestors 'none'");
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['access-control-allow-origin']).toBe('http://localhost:8080');
    const other = await get('/health/live', { origin: 'http://evil.example' });
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
    const preflight = await h!.app.inject({
      method: 'OPTIONS', url: '/v1/matchmake',
      headers: { origin: 'http://localhost:8080', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' },
    });
    expect(preflight.statusCode).toBe(204);
  });

  it('rate-limits per client IP when configured (shared in Redis across instances)', async () => {
    const a = await harness(redis!.url, { rateLimitMax: 3, instanceId: 'api-a' });
    extra.push(a);
    const b = await harness(redis!.url, { rateLimitMax: 3, instanceId: 'api-b' });
    extra.push(b);
    const statuses: number[] = [];
    for (const x of [a, b, a, b]) statuses.push((await x.app.inject({ method: 'GET', url: '/v1/leaderboards/score-best', remoteAddress: '10.1.2.3' })).statusCode);
    expect(statuses).toEqual([200, 200, 200, 429]);
    const limited = await a.app.inject({ method: 'GET', url: '/v1/leaderboards/score-best', remoteAddress: '10.1.2.3' });
    expect(limited.json()).toMatchObject({ code: 'rate/limited', statusCode: 429 });
    expect((await a.app.inject({ method: 'GET', url: '/v1/leaderboards/score-best', remoteAddress: '10.9.9.9' })).statusCode).toBe(200);
  });
});

describe('operations', () => {
  it('reports liveness and readiness', async () => {
    expect((await get('/health/live')).json()).toEqual({ ok: true, instance: 'api-test' });
    expect((await get('/health/ready')).json()).toEqual({ ok: true, instance: 'api-test', redis: 'up' });
  });

  it('exposes Prometheus metrics by route and status', async () => {
    await get('/v1/leaderboards/score-best');
    const res = await get('/metrics');
    expect(res.statusCode).toBe(200);
    expect(res.body).toMatch(/http_requests_total\{method="GET",route="\/v1\/leaderboards\/:board",status="200"\} \d+/);
    expect(res.body).toContain('http_request_duration_seconds_bucket');
  });

  it('serves the OpenAPI document and its UI', async () => {
    const doc = (await get('/docs/json')).json();
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/v1/auth/guest', '/v1/leaderboards/{board}', '/v1/matchmake/', '/v1/cluster/']));
    expect(doc.paths['/metrics']).toBeUndefined();
    const ui = await get('/docs/');
    // Swagger UI keeps its own CSP; the API's deny-all one would break the page.
    expect(String(ui.headers['content-security-policy'])).not.toBe("default-src 'none'; frame-ancestors 'none'");
    expect(ui.statusCode).toBe(200);
    expect(ui.headers['content-type']).toMatch(/html/);
  });
});
