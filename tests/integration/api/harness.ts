import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import { buildApp, type AppOptions } from '../../../server/api/app';
import { RoomUnavailableError } from '../../../server/cluster/failover';
import { MatchmakeError, type Matchmaker } from '../../../server/api/matchmaker';
import { createRedis, redisReady } from '../../../server/common/redis';
import { TokenService } from '../../../server/common/tokens';
import { createStores, type Stores } from '../../../server/stores';
import type { Session } from '../../../shared/api';

export const SECRET = 'test-secret-that-is-at-least-32-bytes-long!';

/** A matchmaker stand-in: in-process app tests cannot host Colyseus rooms (see matchmaking.test.ts for the real one). */
export function fakeMatchmaker(): Matchmaker & { nodes: boolean; calls: unknown[] } {
  const mm = {
    nodes: true,
    calls: [] as unknown[],
    async seat(player: { playerId: string; name: string }, mode: string) {
      mm.calls.push({ player, mode });
      if (!mm.nodes) throw new MatchmakeError('matchmake/no-nodes', 'No game node is up to host a room; try again shortly.');
      return { name: 'arena', sessionId: 's1', roomId: 'r1', processId: 'p1', publicAddress: '127.0.0.1:1' };
    },
    async rejoin(player: { playerId: string; name: string }, roomId: string) {
      mm.calls.push({ player, roomId });
      if (roomId !== 'r1') throw new RoomUnavailableError('room/lost', `Room ${roomId} is gone.`);
      return {
        reservation: { name: 'arena', sessionId: 's2', roomId: 'r1', processId: 'p2', publicAddress: '127.0.0.1:2' },
        mode: 'checkpointed' as const, nodeId: 'node-2', epoch: 2, restoredFromTick: 40,
      };
    },
    async rooms() {
      return [{ id: 'r1', mode: 'stateful' as const, nodeId: 'node-1', players: 1 }];
    },
    async close() {},
  };
  return mm;
}

export interface Harness {
  app: FastifyInstance;
  redis: Redis;
  stores: Stores;
  tokens: TokenService;
  matchmaker: ReturnType<typeof fakeMatchmaker>;
  close(): Promise<void>;
}

/** An API app over a real Redis at `url`, driven with `inject`. */
export async function harness(url: string, overrides: Partial<AppOptions> = {}): Promise<Harness> {
  const redis = createRedis(url, { role: 'api-test', failFast: true });
  await redisReady(redis, 5000);
  const tokens = new TokenService(SECRET, 60);
  const stores = createStores(redis);
  const matchmaker = fakeMatchmaker();
  const app = await buildApp({
    instanceId: 'api-test', tokens, stores, matchmaker, redis,
    corsOrigins: ['http://localhost:8080'], rateLimitMax: 0, heartbeatMs: 0, ...overrides,
  });
  await app.ready();
  return {
    app, redis, stores, tokens, matchmaker,
    close: async () => {
      await app.close();
      redis.disconnect();
    },
  };
}

export async function login(app: FastifyInstance, name = 'Ann'): Promise<Session> {
  const res = await app.inject({ method: 'POST', url: '/v1/auth/guest', payload: { name } });
  if (res.statusCode !== 200) throw new Error(`login failed: ${res.statusCode} ${res.body}`);
  return res.json<Session>();
}
