import '../../../server/common/websocket-global';
import { randomBytes, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { afterAll, beforeAll, expect, it } from 'vitest';
import WebSocket from 'ws';
import { Client, type Room } from '@colyseus/sdk';
import type { ApiError, MatchmakeResult, Session } from '../../../shared/api';
import { createRedis, KEY_PREFIX } from '../../../server/common/redis';
import { TokenService } from '../../../server/common/tokens';
import { hashToken } from '../../../server/stores/sessions';
import { startRedis, type TestRedis } from '../../support/redis';
import { startServers, type Servers } from './processes';

// Every limit against real processes sharing one private Redis: a game node and two API instances.
const SECRET = randomBytes(32).toString('base64url');
const METRICS_TOKEN = 'metrics-token-for-the-limits-test';
const tokens = new TokenService(SECRET);
let redis: TestRedis | undefined;
let servers: Servers | undefined;
const rooms: Room[] = [];
let gamePort = 0;
let apis: string[] = [];

afterAll(async () => {
  await Promise.allSettled(rooms.filter((r) => r.connection.isOpen).map((r) => r.leave()));
  await servers?.stop();
  await redis?.stop();
});
beforeAll(async () => {
  redis = await startRedis();
  const env = {
    JWT_SECRET: SECRET, METRICS_TOKEN,
    GUEST_RATE_PER_MIN: '3', MATCHMAKE_RATE_PER_MIN: '4', ROOMS_PER_PLAYER: '2', WS_CONNECTIONS_PER_IP: '3', REFRESH_TOKEN_TTL: '1',
  };
  servers = await startServers(redis.url, { apis: 2, env });
  gamePort = servers.gamePort;
  apis = servers.apiUrls;
});

async function post<T>(url: string, body: unknown, token?: string): Promise<{ status: number; body: T; retryAfter: string | null }> {
  const res = await fetch(url, {
    method: 'POST', body: JSON.stringify(body),
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
  });
  return { status: res.status, body: (await res.json()) as T, retryAfter: res.headers.get('retry-after') };
}

const player = (name: string): string => tokens.sign({ playerId: `p-${name}-${randomUUID()}`, name }).token;
const matchmake = (api: string, token: string, maxPlayers: number) =>
  post<MatchmakeResult & ApiError>(`${api}/v1/matchmake`, { mode: 'stateful', maxPlayers }, token);

async function consume(result: MatchmakeResult): Promise<Room> {
  const room = await new Client(`http://127.0.0.1:${gamePort}`).consumeSeatReservation(result.reservation as Parameters<Client['consumeSeatReservation']>[0]);
  rooms.push(room);
  return room;
}

/** Drops a client socket; one still in its handshake (refused, or just opened) emits 'error' when terminated, expected here. */
function abandon(ws: WebSocket): void {
  ws.on('error', () => {});
  ws.terminate();
}

it('refuses a 4th concurrent WebSocket from one IP at the upgrade (429, Retry-After), and takes it once one closes', async () => {
  const held: Room[] = [];
  for (const name of ['Wa', 'Wb', 'Wc']) held.push(await consume((await matchmake(apis[0]!, player(name), 16)).body));
  const refused = new WebSocket(`ws://127.0.0.1:${gamePort}/`);
  const [, response] = await once(refused, 'unexpected-response') as [unknown, import('node:http').IncomingMessage];
  expect(response.statusCode).toBe(429);
  expect(response.headers['retry-after']).toBe('5');
  let text = '';
  for await (const chunk of response) text += String(chunk);
  expect(JSON.parse(text)).toMatchObject({ code: 'rate/connections-limited', statusCode: 429 });
  abandon(refused);

  await held[0]!.leave();
  // The server counts the socket out when it sees it close: retry until it has.
  await expect.poll(async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${gamePort}/`);
    const outcome = await Promise.race([once(ws, 'open').then(() => 'open'), once(ws, 'unexpected-response').then(() => 'refused')]);
    abandon(ws);
    return outcome;
  }, { timeout: 5000 }).toBe('open');
  await Promise.all(held.slice(1).map((r) => r.leave()));
});

it('expires refresh tokens with inactivity: each refresh slides the TTL, an idle one lapses', async () => {
  const r = createRedis(redis!.url, { role: 'test' });
  const sub = r.duplicate();
  try {
    const key = (token: string): string => `${KEY_PREFIX}rt:${hashToken(token)}`;
    const login = await post<Session>(`${apis[0]!}/v1/auth/guest`, { name: 'Idle' });
    expect(login.status).toBe(200);
    const ttl1 = await r.pttl(key(login.body.refreshToken));
    expect(ttl1).toBeGreaterThan(0);
    expect(ttl1).toBeLessThanOrEqual(1000);
    const refreshed = await post<Session>(`${apis[1]!}/v1/auth/refresh`, { refreshToken: login.body.refreshToken });
    expect(refreshed.status).toBe(200);
    expect(await r.exists(key(login.body.refreshToken))).toBe(0); // single use
    expect(await r.pttl(key(refreshed.body.refreshToken))).toBeGreaterThan(0); // a fresh TTL: activity slides it

    // Idle now: wait for Redis to expire the token (its keyspace event), then it is refused.
    await r.config('SET', 'notify-keyspace-events', 'Ex');
    const expired = new Promise<void>((resolve) => {
      sub.on('message', (_channel: string, expiredKey: string) => {
        if (expiredKey === key(refreshed.body.refreshToken)) resolve();
      });
    });
    await sub.subscribe('__keyevent@0__:expired');
    if (await r.exists(key(refreshed.body.refreshToken))) await expired;
    const late = await post<ApiError>(`${apis[0]!}/v1/auth/refresh`, { refreshToken: refreshed.body.refreshToken });
    expect(late).toMatchObject({ status: 401, body: { code: 'auth/invalid' } });
  } finally {
    sub.disconnect();
    r.disconnect();
  }
});

it('caps guest sessions per IP across API instances: 429 rate/guest-limited with Retry-After', async () => {
  // The budget is 3 a minute for this IP, and the test above spent one of them.
  const results = [];
  for (let i = 0; i < 3; i++) results.push(await post<Session & ApiError>(`${apis[i % 2]!}/v1/auth/guest`, { name: `G${i}` }));
  expect(results.slice(0, 2).map((r) => r.status)).toEqual([200, 200]);
  expect(results[2]).toMatchObject({ status: 429, body: { code: 'rate/guest-limited', statusCode: 429 } });
  expect(Number(results[2]!.retryAfter)).toBeGreaterThan(0);
  // Other routes keep their own budget.
  expect((await fetch(`${apis[0]!}/v1/leaderboards/score-best`)).status).toBe(200);
});

it('caps matchmaking per player across instances: 429 rate/matchmake-limited, other players unaffected', async () => {
  const token = player('Mm');
  const statuses = [];
  for (let i = 0; i < 4; i++) statuses.push((await matchmake(apis[i % 2]!, token, 16)).status);
  expect(statuses).toEqual([200, 200, 200, 200]);
  const refused = await matchmake(apis[0]!, token, 16);
  expect(refused).toMatchObject({ status: 429, body: { code: 'rate/matchmake-limited' } });
  expect(Number(refused.retryAfter)).toBeGreaterThan(0);
  expect((await matchmake(apis[1]!, player('Other'), 16)).status).toBe(200);
});

it('caps the live rooms one player causes to be created, across instances, and frees a slot when one ends', async () => {
  const token = player('Rooms');
  const first = await matchmake(apis[0]!, token, 3);
  const second = await matchmake(apis[1]!, token, 4);
  expect([first.status, second.status]).toEqual([200, 200]);
  expect(second.body.reservation.roomId).not.toBe(first.body.reservation.roomId);
  const third = await matchmake(apis[0]!, token, 5);
  expect(third).toMatchObject({ status: 429, body: { code: 'rate/rooms-limited' } });
  expect(Number(third.retryAfter)).toBeGreaterThan(0);
  // Joining a room that exists costs no slot.
  const join = await matchmake(apis[1]!, player('Joiner'), 3);
  expect(join.body.reservation.roomId).toBe(first.body.reservation.roomId);

  const room = await consume(first.body);
  const joiner = await consume(join.body);
  await Promise.all([room.leave(), joiner.leave()]);
  // The emptied room disposes; the player's slot frees with it (checked against the room listings).
  await expect.poll(async () => (await matchmake(apis[1]!, token, 5)).status, { timeout: 10_000, interval: 250 }).toBe(200);
});

it('protects /metrics on game nodes and API instances with the bearer token', async () => {
  for (const url of [`http://127.0.0.1:${gamePort}/metrics`, `${apis[0]!}/metrics`]) {
    const none = await fetch(url);
    expect(none.status, url).toBe(401);
    expect(await none.json()).toMatchObject({ code: 'auth/required' });
    const wrong = await fetch(url, { headers: { authorization: 'Bearer not-the-metrics-token' } });
    expect(wrong.status, url).toBe(401);
    expect(await wrong.json()).toMatchObject({ code: 'auth/invalid' });
    const ok = await fetch(url, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(ok.status, url).toBe(200);
    expect(await ok.text()).toMatch(/nodejs_heap_live_bytes/);
  }
});

