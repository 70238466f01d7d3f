import '../../../server/common/websocket-global';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Client } from '@colyseus/sdk';
import { INSTANCE_HEADER, type ClusterStatus, type MatchmakeResult, type Session } from '../../../shared/api';
import { startRedis, type TestRedis } from '../../support/redis';
import { startServers, type Servers } from './processes';

// The real thing, one process per role: Colyseus keeps one matchmaker per process.
let redis: TestRedis | undefined;
let servers: Servers | undefined;
let gamePort = 0;
let apiA = '';
let apiB = '';

afterAll(async () => {
  await servers?.stop();
  await redis?.stop();
});
beforeAll(async () => {
  redis = await startRedis();
  servers = await startServers(redis.url, { apis: 2 });
  gamePort = servers.gamePort;
  [apiA, apiB] = servers.apiUrls as [string, string];
});

async function json<T>(url: string, init: RequestInit = {}): Promise<{ status: number; body: T; instance: string | null }> {
  const res = await fetch(url, { ...init, headers: { 'content-type': 'application/json', ...init.headers } });
  return { status: res.status, body: (await res.json()) as T, instance: res.headers.get(INSTANCE_HEADER) };
}

it('accepts a session from one instance on another, and seats the player on the game node', async () => {
  const login = await json<Session>(`${apiA}/v1/auth/guest`, { method: 'POST', body: JSON.stringify({ name: 'Ann' }) });
  expect(login.instance).toBe('api-1');
  const auth = { authorization: `Bearer ${login.body.accessToken}` };
  const me = await json<{ playerId: string }>(`${apiB}/v1/players/me`, { headers: auth });
  expect(me.status).toBe(200);
  expect(me.instance).toBe('api-2');
  expect(me.body.playerId).toBe(login.body.playerId);

  const seat = await json<MatchmakeResult>(`${apiB}/v1/matchmake`, { method: 'POST', body: JSON.stringify({ mode: 'stateful' }), headers: auth });
  expect(seat.status, JSON.stringify(seat.body)).toBe(200);
  expect(seat.body.reservation.publicAddress).toBe(`127.0.0.1:${gamePort}`);

  const client = new Client(`http://127.0.0.1:${gamePort}`);
  const room = await client.consumeSeatReservation(seat.body.reservation as Parameters<Client['consumeSeatReservation']>[0]);
  try {
    expect(room.roomId).toBe(seat.body.reservation.roomId);
    const cluster = await json<ClusterStatus>(`${apiA}/v1/cluster`);
    expect(cluster.body.rooms.map((r) => r.id)).toContain(room.roomId);
    expect(cluster.body.apis.map((a) => a.id)).toEqual(['api-1', 'api-2']);
  } finally {
    await room.leave();
  }
});

it('seats players who ask for the same room size together, up to that size', async () => {
  const seat = async (name: string, body: object) => {
    const login = await json<Session>(`${apiA}/v1/auth/guest`, { method: 'POST', body: JSON.stringify({ name }) });
    return json<MatchmakeResult & { code?: string }>(`${apiB}/v1/matchmake`, {
      method: 'POST', body: JSON.stringify(body), headers: { authorization: `Bearer ${login.body.accessToken}` },
    });
  };
  const rooms: Awaited<ReturnType<Client['consumeSeatReservation']>>[] = [];
  try {
    for (const name of ['Pa', 'Pb', 'Pc']) {
      const res = await seat(name, { mode: 'stateful', maxPlayers: 2 });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      rooms.push(await new Client(`http://127.0.0.1:${gamePort}`).consumeSeatReservation(res.body.reservation as Parameters<Client['consumeSeatReservation']>[0]));
    }
    expect(rooms[1]!.roomId).toBe(rooms[0]!.roomId);
    expect(rooms[2]!.roomId).not.toBe(rooms[0]!.roomId); // the room of two is full
    for (const bad of [1, 17, 2.5]) {
      const res = await seat('Px', { mode: 'stateful', maxPlayers: bad });
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('request/invalid');
    }
  } finally {
    await Promise.allSettled(rooms.map((r) => r.leave()));
  }
});

it('refuses matchmaking without a valid access token', async () => {
  const res = await json<{ code: string }>(`${apiA}/v1/matchmake`, { method: 'POST', body: '{}', headers: { authorization: 'Bearer nope' } });
  expect(res.status).toBe(401);
});

it('keeps serving from the surviving instance while another is SIGKILLed', async () => {
  const failures: string[] = [];
  let served = 0;
  let stop = false;
  const loop = (async () => {
    while (!stop) {
      const res = await fetch(`${apiB}/v1/leaderboards/score-best`).catch((err: Error) => err);
      if (res instanceof Error || res.status !== 200) failures.push(res instanceof Error ? res.message : String(res.status));
      else served++;
    }
  })();
  const before = served;
  await servers!.apis[0]!.kill('SIGKILL');
  // Keep the loop running until the survivor has served a good number of requests after the kill.
  while (served < before + 200) await new Promise((r) => setImmediate(r));
  stop = true;
  await loop;
  expect(failures).toEqual([]);
  expect((await json<{ ok: boolean }>(`${apiB}/health/ready`)).body.ok).toBe(true);
});

it('answers 503 matchmake/no-nodes when no game node is up, never hosting a room itself', async () => {
  await servers!.game.kill('SIGKILL');
  const login = await json<Session>(`${apiB}/v1/auth/guest`, { method: 'POST', body: JSON.stringify({ name: 'Bo' }) });
  const res = await json<{ code: string }>(`${apiB}/v1/matchmake`, {
    method: 'POST', body: JSON.stringify({ mode: 'checkpointed' }), headers: { authorization: `Bearer ${login.body.accessToken}` },
  });
  expect(res.status).toBe(503);
  expect(res.body.code).toBe('matchmake/no-nodes');
});
