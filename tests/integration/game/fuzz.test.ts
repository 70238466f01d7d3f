import '../../../server/common/websocket-global';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, type Room } from '@colyseus/sdk';
import { createAuthContext, matchMaker } from '@colyseus/core';
import { startGameNode, type GameNode } from '../../../server/game/node';
import { DEFAULT_RULES } from '../../../shared/rules/arena';
import { Rng } from '../../../shared/rules/rng';
import { ClientMessages } from '../../../shared/protocol';
import { TokenService } from '../../../server/common/tokens';
import { createLogger } from '../../../server/common/logger';
import type { ArenaState } from '../../../shared/schema';
import { freePort } from '../../../server/supervisor/ports';
import { stateWhere } from '../../support/rooms';

// Seeded, bounded fuzzing of a live room over real WebSockets: whatever a client sends, the
// room keeps ticking for everyone else and nothing but a valid input moves a player.
const SEED = 0x5eed12;
const MESSAGES = 240;
const tokens = new TokenService('fuzz-test-secret-0123456789abcdef-0123');
let node: GameNode;
let endpoint: string;
const rooms: Room[] = [];

beforeAll(async () => {
  const port = await freePort();
  endpoint = `http://127.0.0.1:${port}`;
  node = await startGameNode({
    nodeId: 'node-fuzz', port, publicHost: '127.0.0.1', redisUrl: null, tickRate: 20,
    // A long match: the fuzzing must not straddle a match end (which resets scores).
    rules: { ...DEFAULT_RULES, matchMs: 120_000 },
    tokens, results: null, log: createLogger('test', 'silent'),
  });
});
afterAll(async () => {
  await Promise.allSettled(rooms.filter((r) => r.connection.isOpen).map((r) => r.leave()));
  await node?.close();
});

async function join(name: string): Promise<Room<any, ArenaState>> {
  const token = tokens.sign({ playerId: `p-${name}`, name }).token;
  const reservation = await matchMaker.joinOrCreate('arena', { name, mode: 'stateful', maxPlayers: 4 }, createAuthContext({ headers: {}, token }));
  const room = await new Client(endpoint).consumeSeatReservation<ArenaState>(reservation as Parameters<Client['consumeSeatReservation']>[0]);
  rooms.push(room);
  await stateWhere(room, (s) => s.players?.has(room.sessionId) === true, `${name} in the state`);
  return room;
}

const HOSTILE_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'seq', 'dx', 'dy', 't', 'x', 'score'];
const ODD_NUMBERS = [NaN, Infinity, -Infinity, -0, 1e308, -1e308, 2 ** 53 + 1, 0.5, -1, 2, 0xffffffff + 1, Number.MIN_VALUE];

function value(rng: Rng, depth = 0): unknown {
  switch (rng.int(depth > 2 ? 4 : 7)) {
    case 0: return ODD_NUMBERS[rng.int(ODD_NUMBERS.length)];
    case 1: return String.fromCharCode(...Array.from({ length: rng.int(64) }, () => rng.int(0xffff)));
    case 2: return [null, undefined, true, false, ''][rng.int(5)];
    case 3: return rng.int(3) - 1;
    case 4: return Array.from({ length: rng.int(6) }, () => value(rng, depth + 1));
    default: return object(rng, depth + 1);
  }
}

/** An object with hostile keys as own properties (JSON.parse makes `__proto__` an own key, as a decoder would). */
function object(rng: Rng, depth: number): Record<string, unknown> {
  const entries = Array.from({ length: rng.int(5) }, () => [HOSTILE_KEYS[rng.int(HOSTILE_KEYS.length)]!, value(rng, depth + 1)]);
  const raw = JSON.stringify(Object.fromEntries(entries.map(([k, v]) => [k, v === undefined ? null : v])));
  const parsed = JSON.parse(raw) as Record<string, unknown>;
  // Put the odd numbers back (JSON turns NaN and Infinity into null).
  for (const [k, v] of entries) if (typeof v === 'number' && k !== '__proto__') parsed[k as string] = v;
  return parsed;
}

/** A message that is not a valid one: an unknown type, or a known type with a payload its validator refuses. */
function hostileMessage(rng: Rng): [string | number, unknown] {
  const types: (string | number)[] = ['input', 'input', 'ping', '__proto__', 'constructor', 'toString', '', 'teleport', 0, 255, -1];
  for (;;) {
    const type = types[rng.int(types.length)]!;
    const nearlyValid = { seq: 1 + rng.int(1000), dx: rng.int(3) - 1, dy: rng.int(3) - 1 } as Record<string, unknown>;
    if (rng.int(2) === 0) nearlyValid[HOSTILE_KEYS[rng.int(HOSTILE_KEYS.length)]!] = value(rng);
    const payload = type === 'input' && rng.int(2) === 0 ? nearlyValid : value(rng);
    const validator = typeof type === 'string' ? (ClientMessages as Record<string, { safeParse(v: unknown): { success: boolean } }>)[type] : undefined;
    if (Object.hasOwn(ClientMessages, type) && validator?.safeParse(payload).success) continue; // valid: not fuzz
    return [type, payload];
  }
}

/** Calls `each` once per state patch (20 Hz), `perPatch` times, `total` times in all: under the room's 90 messages/s. */
function paced(room: Room<any, ArenaState>, total: number, perPatch: number, each: (i: number) => void): Promise<void> {
  return new Promise((resolve) => {
    let sent = 0;
    const onPatch = (): void => {
      for (let k = 0; k < perPatch && sent < total; k++) each(sent++);
      if (sent >= total) {
        room.onStateChange.remove(onPatch);
        resolve();
      }
    };
    room.onStateChange(onPatch);
  });
}

/** Records the largest gap between two state patches a client sees (the room's heartbeat as others feel it). */
function watchTicks(room: Room<any, ArenaState>): { worstGapMs: number; ticks: number; stop(): void } {
  const stats = { worstGapMs: 0, ticks: 0, stop: () => room.onStateChange.remove(onPatch) };
  let last = performance.now();
  const onPatch = (): void => {
    const now = performance.now();
    stats.worstGapMs = Math.max(stats.worstGapMs, now - last);
    stats.ticks++;
    last = now;
  };
  room.onStateChange(onPatch);
  return stats;
}

const snapshot = (room: Room<any, ArenaState>) => {
  const p = room.state.players.get(room.sessionId)!;
  return { x: p.x, y: p.y, ack: p.ack, score: p.score, name: p.name };
};

describe('fuzzing a live room', () => {
  it(`refuses ${MESSAGES} seeded hostile messages, leaving the fuzzer's player as it was and the room ticking`, async () => {
    const watcher = await join('Watcher');
    const fuzzer = await join('Fuzzer');
    expect(fuzzer.roomId).toBe(watcher.roomId);
    const before = snapshot(fuzzer);
    const ticks = watchTicks(watcher);
    const errors: unknown[] = [];
    fuzzer.onMessage('error', (e) => errors.push(e));
    const rng = new Rng(SEED);
    await paced(fuzzer, MESSAGES, 2, () => {
      const [type, payload] = hostileMessage(rng);
      fuzzer.send(type as string, payload);
    });
    const tick = fuzzer.state.tick;
    await stateWhere(fuzzer, (s) => s.tick >= tick + 5, 'five more ticks');
    ticks.stop();

    expect(fuzzer.connection.isOpen).toBe(true);
    expect(snapshot(fuzzer)).toEqual(before);
    expect(errors.length).toBeGreaterThan(MESSAGES / 2);
    expect(ticks.worstGapMs).toBeLessThan(500);
    expect(({} as Record<string, unknown>).x).toBeUndefined(); // nothing leaked into Object.prototype
    // A valid input still moves the fuzzer: the room took nothing above for one.
    const ack = before.ack;
    fuzzer.send('input', { seq: ack + 1, dx: before.x < DEFAULT_RULES.width / 2 ? 1 : -1, dy: 0 });
    await stateWhere(fuzzer, () => snapshot(fuzzer).ack === ack + 1, 'the valid input applied');
    expect(snapshot(fuzzer).x).not.toBe(before.x);
  });

  it('survives malformed and oversized raw frames from one client while the others keep playing', async () => {
    const watcher = rooms[0] as Room<any, ArenaState>;
    const breaker = await join('Breaker');
    const ticks = watchTicks(watcher);
    const rng = new Rng(SEED + 1);
    const frames: Uint8Array[] = [];
    for (let i = 0; i < 60; i++) {
      const kind = rng.int(4);
      const length = kind === 3 ? 5000 + rng.int(20_000) : rng.int(200);
      const bytes = Uint8Array.from({ length }, () => rng.int(256));
      // Start some with the room-data code (13), so they reach the message decoder, truncated or not.
      if (kind === 1 && bytes.length > 0) bytes[0] = 13;
      if (kind === 2) frames.push(Uint8Array.from([13, 0xa5, ...new TextEncoder().encode('input'), 0xde, 0xff, 0xff]));
      frames.push(bytes);
    }
    // Paced by the watcher's patches: the breaker's own socket may be closed under it.
    await paced(watcher, frames.length, 2, (i) => {
      if (breaker.connection.isOpen) breaker.connection.send(frames[i]!);
    });
    const tick = watcher.state.tick;
    await stateWhere(watcher, (s) => s.tick >= tick + 10, 'ten more ticks for the watcher');
    ticks.stop();
    expect(ticks.worstGapMs).toBeLessThan(500);
    expect(watcher.connection.isOpen).toBe(true);
    // An oversized frame closes the sender's socket (ws maxPayload): the breaker is cut off, the room
    // carries on, and a new player can join it.
    await expect.poll(() => breaker.connection.isOpen, { timeout: 5000 }).toBe(false);
    const late = await join('Late');
    expect(late.roomId).toBe(watcher.roomId);
  });
});
