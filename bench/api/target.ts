import { randomBytes, randomUUID } from 'node:crypto';
import Fastify from 'fastify';
import fp from 'fastify-plugin';
import app, { serverOptions } from '../../server/api/app';
import { createRedis, redisReady } from '../../server/common/redis';
import { TokenService } from '../../server/common/tokens';
import { createApiStores } from '../../server/stores';
import type { Matchmaker } from '../../server/api/matchmaker';

/**
 * A server for the API benchmark, in its own process: `hello` is a bare
 * Fastify hello-world; `api` is the real API app (every plugin, real Redis
 * stores) plus two bench-only routes that isolate what is compared:
 *   POST /bench/submit   records one player's result (all 6 boards, de-duplicated by match id) as a game
 *                        node does: one leaderboard submit (there is no public submit route)
 *   GET  /bench/me-open  the handler of GET /v1/players/me without its authentication
 * Prints `{"port": n, "token": "..."}` on stdout once listening.
 * argv: hello | api <redisUrl>
 */
const [kind, redisUrl] = process.argv.slice(2);

if (kind === 'hello') {
  const fastify = Fastify();
  fastify.get('/', async () => ({ hello: 'world' }));
  await fastify.listen({ port: 0, host: '127.0.0.1' });
  console.log(JSON.stringify({ port: (fastify.server.address() as { port: number }).port, token: '' }));
} else if (kind === 'api' && redisUrl) {
  const redis = createRedis(redisUrl, { role: 'bench-api', failFast: true });
  await redisReady(redis, 5000);
  const tokens = new TokenService(randomBytes(32).toString('base64url'), 3600);
  const { stores } = createApiStores(redis); // as server.ts composes them
  const matchmaker: Matchmaker = {
    seat: () => Promise.reject(new Error('not in the benchmark')),
    rejoin: () => Promise.reject(new Error('not in the benchmark')),
    rooms: async () => [],
    close: async () => {},
  };
  const fastify = Fastify(serverOptions(false));
  // fp: the app's decorators (leaderboards, authenticate) must be visible to the bench routes beside it.
  await fastify.register(fp(app, { name: 'statecraft-api' }), {
    instanceId: 'bench', tokens, stores, matchmaker, redis, corsOrigins: [], rateLimitMax: 0, // heartbeat as in production: request counts are flushed with it
  });
  const identity = { playerId: randomUUID(), name: 'bench' };
  let n = 0;
  fastify.post('/bench/submit', async () => {
    n++;
    const standings = [{ playerId: `p${(n * 131) % 5000}`, name: `p${n % 100}`, score: n % 50 }];
    await stores.leaderboards.recordMatch({ matchId: `bench:${process.pid}:${n}`, match: n, standings });
    return { ok: true };
  });
  fastify.get('/bench/me-open', async () => ({ ...identity, standings: await stores.leaderboards.standings(identity.playerId) }));
  await fastify.listen({ port: 0, host: '127.0.0.1' });
  const port = (fastify.server.address() as { port: number }).port;
  console.log(JSON.stringify({ port, token: tokens.sign(identity).token }));
} else {
  console.error('usage: target.ts hello | api <redisUrl>');
  process.exit(2);
}
