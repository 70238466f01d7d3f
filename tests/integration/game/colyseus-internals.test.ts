import '../../../server/common/websocket-global';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { matchMaker, type Room } from '@colyseus/core';
import { startGameNode, type GameNode } from '../../../server/game/node';
import { encodeFullState, releaseSeatsAndDisposeSoon, reservedSeatCount } from '../../../server/game/rooms/colyseus-internals';
import { decodeState } from '../../../server/game/rooms/snapshot';
import { TokenService } from '../../../server/common/tokens';
import { createLogger } from '../../../server/common/logger';
import { DEFAULT_RULES } from '../../../shared/rules/arena';
import type { ArenaState } from '../../../shared/schema';
import { freePort } from '../../../server/supervisor/ports';

// The one adapter over Colyseus private fields, run against a real room of the
// installed @colyseus/core: an upgrade that renames a field fails here.
let node: GameNode;

beforeAll(async () => {
  node = await startGameNode({
    nodeId: 'node-internals', port: await freePort(), publicHost: '127.0.0.1', redisUrl: null, tickRate: 20,
    rules: DEFAULT_RULES, tokens: new TokenService('internals-test-secret-0123456789abcdef'), results: null,
    log: createLogger('test', 'warn'),
  });
});

afterAll(async () => {
  await node?.close();
});

async function newRoom(): Promise<Room<{ state: ArenaState }>> {
  const listing = await matchMaker.createRoom('arena', { mode: 'stateful' });
  return matchMaker.getLocalRoomById(listing.roomId) as Room<{ state: ArenaState }>;
}

describe('Colyseus internals adapter', () => {
  it('encodes the full state from the cached encoding, and it decodes back to the same state', async () => {
    const room = await newRoom();
    const bytes = encodeFullState(room);
    expect(bytes.byteLength).toBeGreaterThan(0);
    const decoded = decodeState(bytes);
    expect(decoded.phase).toBe(room.state.phase);
    expect(decoded.timeLeftMs).toBe(room.state.timeLeftMs);
    expect(decoded.orbs.size).toBe(room.state.orbs.size);
    const orb = room.state.orbs.get('0')!;
    expect(decoded.orbs.get('0')).toMatchObject({ x: orb.x, y: orb.y, golden: orb.golden });
    await room.disconnect();
  });

  it('drops reserved seats and lets the room dispose at once', async () => {
    const room = await newRoom();
    const listing = { roomId: room.roomId, name: 'arena', processId: matchMaker.processId } as Parameters<typeof matchMaker.reserveSeatFor>[0];
    const token = new TokenService('internals-test-secret-0123456789abcdef').sign({ playerId: 'p-1', name: 'Seat' }).token;
    await matchMaker.reserveSeatFor(listing, { name: 'Seat' }, { identity: { playerId: 'p-1', name: 'Seat' }, name: 'Seat', token });
    expect(reservedSeatCount(room)).toBe(1);

    const disposed = new Promise<void>((resolve) => room['_events'].once('dispose', () => resolve()));
    releaseSeatsAndDisposeSoon(room);
    expect(reservedSeatCount(room)).toBe(0);
    await disposed;
    expect(matchMaker.getLocalRoomById(room.roomId)).toBeUndefined();
  });
});
