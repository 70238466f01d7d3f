import '../../../server/common/websocket-global';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Client } from '@colyseus/sdk';
import { createAuthContext, matchMaker } from '@colyseus/core';
import { startGameNode, type GameNode } from '../../../server/game/node';
import { DEFAULT_RULES } from '../../../shared/rules/arena';
import { TokenService } from '../../../server/common/tokens';
import { createLogger } from '../../../server/common/logger';
import { RedisLeaderboardStore } from '../../../server/stores/leaderboard-redis';
import { freePort } from '../../../server/supervisor/ports';
import { ARENA_ROOM, type NodeInfo } from '../../../shared/protocol';
import type { ArenaState } from '../../../shared/schema';
import { usePrivateRedis } from '../../support/redis';
import { createRedis } from '../../../server/common/redis';
import type { Redis } from 'ioredis';
import { nextMessage, stateWhere } from '../../support/rooms';

// A real game node on a private Redis, with the real results store: what its warm-up leaves behind.
const db = usePrivateRedis();
const tokens = new TokenService('integration-test-secret-0123456789abcdef');
let node: GameNode;
let port: number;
let watcher: Redis;
/** Every change Redis saw to a checkpoint or a leaderboard key (keyspace notifications). */
const touched: string[] = [];

beforeAll(async () => {
  await db.redis.config('SET', 'notify-keyspace-events', 'KA');
  watcher = createRedis(db.server.url, { role: 'test-watch' });
  watcher.on('pmessage', (_pattern: string, channel: string, event: string) => touched.push(`${event} ${channel.split(':').slice(1).join(':')}`));
  await watcher.psubscribe('__keyspace@0__:sc:ckpt*', '__keyspace@0__:sc:lb:*');
  port = await freePort();
  node = await startGameNode({
    nodeId: 'node-warm', port, publicHost: '127.0.0.1', redisUrl: db.server.url, tickRate: 20,
    rules: DEFAULT_RULES, tokens, results: new RedisLeaderboardStore(db.redis), log: createLogger('test', 'warn'),
  });
});

afterAll(async () => {
  await node?.close();
  await watcher?.quit();
});

it('hosts a checkpointed room of its own, restores it from its snapshot and rejoins it before it is ready', () => {
  expect(node.warmUp.error).toBeNull();
  expect(node.warmUp.patches).toBeGreaterThanOrEqual(6); // three in each copy, each after an input
  expect(node.warmUp.restoredFromTick).not.toBeNull(); // the second copy came from the first one's snapshot
});

it('leaves nothing behind and never wrote to the store: no room, no player, no checkpoint, no result', async () => {
  expect(await matchMaker.query({})).toEqual([]);
  expect(matchMaker.stats.local).toMatchObject({ roomCount: 0, ccu: 0 });
  // A round trip on the watched connection: every notification sent before it has arrived.
  await db.redis.set('sc:lb:probe', '1');
  await expect.poll(() => touched.length, { timeout: 2000, interval: 10 }).toBeGreaterThan(0);
  expect(touched).toEqual(['set sc:lb:probe']);
  await db.redis.del('sc:lb:probe');
});

it('then serves players: a new arena room, not a warm-up copy', async () => {
  const auth = createAuthContext({ headers: {}, token: tokens.sign({ playerId: 'p-after', name: 'After' }).token });
  const reservation = await matchMaker.joinOrCreate(ARENA_ROOM, { name: 'After', mode: 'checkpointed' }, auth);
  expect(reservation.name).toBe(ARENA_ROOM);
  const room = await new Client(`http://127.0.0.1:${port}`).consumeSeatReservation<ArenaState>(reservation as Parameters<Client['consumeSeatReservation']>[0]);
  try {
    const info = await nextMessage<NodeInfo>(room, 'node');
    expect(info).toMatchObject({ nodeId: 'node-warm', mode: 'checkpointed', restoredFrom: null });
    await stateWhere(room, (s) => s.players?.has(room.sessionId) === true, 'the player in the state');
  } finally {
    await room.leave();
  }
});
