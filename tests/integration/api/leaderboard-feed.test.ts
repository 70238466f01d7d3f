import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { createRedis, redisReady } from '../../../server/common/redis';
import { RedisLeaderboardStore } from '../../../server/stores/leaderboard-redis';
import { createApiStores } from '../../../server/stores';
import { startRedis, type TestRedis } from '../../support/redis';

// Two API instances cache board pages; a game node records a match; both serve the new standings.
let server: TestRedis | undefined;
const connections: Redis[] = [];
const stops: (() => void)[] = [];
afterAll(async () => {
  stops.forEach((stop) => stop());
  connections.forEach((c) => c.disconnect());
  await server?.stop();
});
beforeAll(async () => {
  server = await startRedis();
});

async function connect(role: string): Promise<Redis> {
  const redis = createRedis(server!.url, { role });
  connections.push(redis);
  await redisReady(redis, 5000);
  return redis;
}

it('every instance drops its cached pages as soon as a match is recorded anywhere', async () => {
  const apis = await Promise.all(['api-a', 'api-b'].map(async (role) => {
    const { stores, close } = createApiStores(await connect(role));
    stops.push(close);
    return stores.leaderboards;
  }));
  const gameNode = new RedisLeaderboardStore(await connect('game'));
  for (const api of apis) expect((await api.top('score-total', 0, 10)).total).toBe(0); // cached now

  await gameNode.recordMatch({ matchId: 'm-1', match: 1, standings: [{ playerId: 'p-1', name: 'Ann', score: 12 }] });
  for (const api of apis) {
    await expect.poll(async () => (await api.top('score-total', 0, 10)).entries, { timeout: 500, interval: 5 })
      .toEqual([{ rank: 1, playerId: 'p-1', name: 'Ann', score: 12 }]);
  }
});
