import '../../../server/common/websocket-global';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, type Room } from '@colyseus/sdk';
import { createAuthContext, matchMaker } from '@colyseus/core';
import { startGameNode, type GameNode } from '../../../server/game/node';
import { DEFAULT_RULES } from '../../../shared/rules/arena';
import { TokenService } from '../../../server/common/tokens';
import { createLogger } from '../../../server/common/logger';
import type { ArenaState } from '../../../shared/schema';
import type { MatchResult, NodeInfo, ProtocolError } from '../../../shared/protocol';
import type { ResultsSink } from '../../../server/stores';
import { freePort } from '../../../server/supervisor/ports';
import { connectionLost, nextMessage, stateWhere } from '../../support/rooms';
import { CloseCodes } from '../../../shared/protocol';

// A real game node (in-memory matchmaking) on a free port, real SDK clients over real WebSockets.
const tokens = new TokenService('integration-test-secret-0123456789abcdef');
const recorded: MatchResult[] = [];
const sink: ResultsSink = { record: async (r) => void recorded.push(r) };
let node: GameNode;
let endpoint: string;
const rooms: Room[] = [];

beforeAll(async () => {
  const port = await freePort();
  endpoint = `http://127.0.0.1:${port}`;
  node = await startGameNode({
    nodeId: 'node-test', port, publicHost: '127.0.0.1', redisUrl: null, tickRate: 20,
    rules: { ...DEFAULT_RULES, matchMs: 3000, resultsMs: 600 },
    tokens, results: sink, log: createLogger('test', 'warn')
  });
});

afterAll(async () => {
  await Promise.allSettled(rooms.filter((r) => r.connection.isOpen).map((r) => r.leave()));
  await node?.close();
});

/**
 * A seat the way the API gets one (the node's own HTTP matchmaking is closed):
 * from this process's matchmaker (in room `roomId` if given), consumed over a real WebSocket.
 */
async function seat<S = ArenaState>(token: string | undefined, options: Record<string, unknown>, roomId?: string): Promise<Room<any, S>> {
  const auth = createAuthContext({ headers: {}, token });
  const reservation = roomId ? await matchMaker.joinById(roomId, options, auth) : await matchMaker.joinOrCreate('arena', options, auth);
  return new Client(endpoint).consumeSeatReservation(reservation as Parameters<Client['consumeSeatReservation']>[0]);
}

async function join(name: string, playerId = `p-${name}`): Promise<Room<any, ArenaState>> {
  const room = await seat(tokens.sign({ playerId, name }).token, { name, mode: 'stateful' });
  rooms.push(room);
  await stateWhere(room, (s) => s.players?.has(room.sessionId) === true, `${name} in the state`);
  return room;
}

/** Sends `count` inputs the way a real client does: one per server tick. */
function drive(room: Room<any, ArenaState>, count: number, dx: number, dy: number): void {
  let seq = room.state.players.get(room.sessionId)!.ack;
  const last = seq + count;
  const send = () => {
    if (seq >= last) return room.onStateChange.remove(send);
    room.send('input', { seq: ++seq, dx, dy });
  };
  room.onStateChange(send);
}

function me(room: Room<any, ArenaState>) {
  return room.state.players.get(room.sessionId)!;
}

describe('arena room on a game node', () => {
  it('tells each player where the session lives', async () => {
    const room = await seat(tokens.sign({ playerId: 'p-where', name: 'Where' }).token, { name: 'Where' });
    rooms.push(room);
    const info = await nextMessage<NodeInfo>(room, 'node');
    expect(info).toMatchObject({ nodeId: 'node-test', pid: process.pid, roomId: room.roomId, mode: 'stateful', tickRate: 20 });
    await room.leave();
  });

  it('moves players by input and lets the others see it', async () => {
    const ann = await join('Ann');
    const bob = await join('Bob');
    expect(bob.roomId).toBe(ann.roomId);
    const start = { x: me(ann).x, y: me(ann).y };
    const dir = start.x < DEFAULT_RULES.width / 2 ? 1 : -1;
    drive(ann, 10, dir, 0);
    await stateWhere(ann, () => me(ann).ack === 10, 'all 10 inputs applied');
    const step = (DEFAULT_RULES.playerSpeed / 20) * 10;
    expect(me(ann).x).toBeCloseTo(start.x + dir * step, 3);
    expect(me(ann).y).toBe(start.y);
    await stateWhere(bob, (s) => s.players.get(ann.sessionId)?.ack === 10, 'Bob sees Ann move');
    expect(bob.state.players.get(ann.sessionId)!.x).toBeCloseTo(me(ann).x, 3);
  });

  it('never lets a burst of inputs outrun the speed limit, tick by tick', async () => {
    const eve = await join('Eve');
    const dir = me(eve).x < DEFAULT_RULES.width / 2 ? 1 : -1;
    const maxStep = DEFAULT_RULES.playerSpeed / 20;
    // Every patch: the distance moved since the previous one, against the ticks that passed.
    let last = { x: me(eve).x, tick: eve.state.tick };
    let worst = 0;
    let moved = 0;
    eve.onStateChange((s) => {
      const x = me(eve).x;
      if (s.tick > last.tick) worst = Math.max(worst, Math.abs(x - last.x) / (s.tick - last.tick));
      moved += Math.abs(x - last.x);
      last = { x, tick: s.tick };
    });
    const tick0 = eve.state.tick;
    for (let seq = 1; seq <= 60; seq++) eve.send('input', { seq, dx: dir, dy: 0 });
    await stateWhere(eve, (s) => s.tick >= tick0 + 12, '12 ticks');
    expect(moved).toBeGreaterThan(0);
    expect(worst).toBeLessThanOrEqual(maxStep + 1e-6);
  });

  it('refuses malformed and unknown messages with a clear error, changing nothing', async () => {
    const mal = await join('Mal');
    const before = { x: me(mal).x, y: me(mal).y, ack: me(mal).ack, score: me(mal).score };
    const bad = [
      { seq: 1, dx: 5, dy: 0 },
      { seq: 'x', dx: 1, dy: 0 },
      { seq: 1, dx: 1, dy: 0, x: 999 },
      'not an object',
      { seq: -1, dx: 1, dy: 1 },
    ];
    for (const message of bad) {
      const error = nextMessage<ProtocolError>(mal, 'error');
      mal.send('input', message);
      await expect(error).resolves.toMatchObject({ code: 'message/invalid' });
    }
    const unknown = nextMessage<ProtocolError>(mal, 'error');
    mal.send('teleport', { x: 0, y: 0 });
    await expect(unknown).resolves.toMatchObject({ code: 'message/unknown', message: expect.stringContaining('teleport') });
    const tick = mal.state.tick;
    await stateWhere(mal, (s) => s.tick >= tick + 3, 'a few more ticks');
    expect({ x: me(mal).x, y: me(mal).y, ack: me(mal).ack, score: me(mal).score }).toEqual(before);
    expect(mal.connection.isOpen).toBe(true);
  });

  it('serves Prometheus metrics: rooms, players, tick durations', async () => {
    const res = await fetch(`${endpoint}/metrics`);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toMatch(/statecraft_rooms\{node="node-test"\} [1-9]/);
    expect(text).toMatch(/statecraft_players\{node="node-test"\} [1-9]/);
    expect(text).toMatch(/statecraft_tick_lateness_seconds_count\{node="node-test"\} [1-9]/);
    expect(text).toMatch(/statecraft_tick_duration_seconds_count\{node="node-test"\} [1-9]/);
  });

  it('gives a player who opens the room again their own player, and closes the older connection', async () => {
    const first = await join('Twin', 'p-twin');
    drive(first, 5, 1, 0);
    await stateWhere(first, () => me(first).ack === 5, 'five inputs applied');
    const place = { x: me(first).x, y: me(first).y, color: me(first).color };

    const closed = connectionLost(first);
    const second = await seat(tokens.sign({ playerId: 'p-twin', name: 'Twin' }).token, { name: 'Twin' }, first.roomId);
    rooms.push(second);
    expect((await closed).code).toBe(CloseCodes.openedElsewhere);
    await stateWhere(second, (s) => s.players?.has(second.sessionId) === true, 'the second tab in the state');
    const twins = [...second.state.players.values()].filter((p) => p.playerId === 'p-twin');
    expect(twins).toHaveLength(1);
    expect(twins[0]).toMatchObject({ x: place.x, y: place.y, color: place.color, connected: true });
  });

  it('answers pings (the application heartbeat)', async () => {
    const pia = await join('Pia');
    const pong = nextMessage<{ t: number; serverTime: number }>(pia, 'pong');
    pia.send('ping', { t: 123.5 });
    await expect(pong).resolves.toMatchObject({ t: 123.5 });
  });

  it('refuses a join without a valid token', async () => {
    await expect(seat(undefined, { name: 'Anon' })).rejects.toThrow(/auth\/required/);
    const forged = new TokenService('another-secret-another-secret-0123').sign({ playerId: 'x', name: 'X' }).token;
    await expect(seat(forged, { name: 'X' })).rejects.toThrow(/auth\/invalid/);
    await expect(seat(tokens.sign({ playerId: 'y', name: 'Y' }).token, { name: '<script>' })).rejects.toThrow(/Invalid join options/);
  });

  it('serves no matchmaking of its own over HTTP: a valid token gets a 404, no seat and no room', async () => {
    const token = tokens.sign({ playerId: 'p-side', name: 'Side' }).token;
    const roomsBefore = matchMaker.stats.local.roomCount;
    for (const method of ['create', 'joinOrCreate', 'join', 'joinById']) {
      const res = await fetch(`${endpoint}/matchmake/${method}/arena`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, origin: 'https://evil.example' },
        body: JSON.stringify({ name: 'Side', mode: 'checkpointed' }),
      });
      expect(res.status).toBe(404);
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
      expect(await res.json()).toMatchObject({ code: 'route/not-found' });
    }
    const preflight = await fetch(`${endpoint}/matchmake/create/arena`, { method: 'OPTIONS', headers: { origin: 'https://evil.example' } });
    expect(preflight.status).toBe(404);
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
    expect((await fetch(`${endpoint}/`)).status).toBe(404);
    expect(matchMaker.stats.local.roomCount).toBe(roomsBefore);
  });

  it('scores orbs, ends the match with results, and starts the next match in the same room', async () => {
    const orla = await join('Orla');
    // Steer towards the nearest orb, one input per tick, until something is scored.
    let seq = 0;
    const steer = () => {
      const p = me(orla);
      let best: { x: number; y: number } | null = null;
      let bestD = Infinity;
      orla.state.orbs.forEach((o) => {
        const d = (o.x - p.x) ** 2 + (o.y - p.y) ** 2;
        if (d < bestD) [best, bestD] = [o, d];
      });
      if (!best) return;
      const target: { x: number; y: number } = best;
      const dx = Math.abs(target.x - p.x) < 4 ? 0 : Math.sign(target.x - p.x);
      const dy = Math.abs(target.y - p.y) < 4 ? 0 : Math.sign(target.y - p.y);
      orla.send('input', { seq: ++seq, dx, dy });
    };
    const results = nextMessage<MatchResult>(orla, 'results', 8000);
    orla.onStateChange(steer);
    const result = await results;
    const mine = result.standings.find((s) => s.playerId === 'p-Orla');
    expect(mine).toBeDefined();
    expect(result.matchId).toBe(`${orla.roomId}:${result.match}`);
    expect(recorded.some((r) => r.matchId === result.matchId)).toBe(true);
    await stateWhere(orla, (s) => s.phase === 'results', 'the results phase');
    await stateWhere(orla, (s) => s.phase === 'playing' && s.match === result.match + 1, 'the next match', 3000);
    expect(me(orla).score).toBe(0);
    expect(mine!.score).toBeGreaterThan(0);
  });
});
