import { once } from 'node:events';
import type { Redis } from 'ioredis';
import { ReplyError } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createRedis, redisReady, RedisUnavailableError } from '../../../server/common/redis';
import { startRedis, type TestRedis } from '../../support/redis';

// A real redis-server: the factory's error classes are checked against what ioredis really throws.
let server: TestRedis | undefined;
const clients: Redis[] = [];
afterAll(async () => {
  for (const c of clients) c.disconnect();
  await server?.stop();
});
beforeAll(async () => {
  server = await startRedis();
});

async function client(failFast: boolean): Promise<Redis> {
  const redis = createRedis(server!.url, { role: 'test', failFast });
  clients.push(redis);
  await redisReady(redis, 5000);
  return redis;
}

it('passes through errors Redis answered with, direct and auto-pipelined', async () => {
  const redis = await client(true);
  await redis.set('sc:test:str', 'x');
  await expect(redis.zadd('sc:test:str', 1, 'm')).rejects.toBeInstanceOf(ReplyError);
  await expect(redis.eval("return redis.error_reply('NOPE')", 0)).rejects.toBeInstanceOf(ReplyError);
});

it('rejects commands that get no answer with redis/unavailable, keeping the client error as cause', async () => {
  const [failFast, queued] = await Promise.all([client(true), client(false)]);
  server!.process.kill('SIGKILL');
  await once(server!.process, 'exit');
  await expect.poll(() => failFast.status, { timeout: 5000, interval: 10 }).not.toBe('ready');

  const err = await failFast.get('sc:test:str').catch((e: unknown) => e);
  expect(err).toBeInstanceOf(RedisUnavailableError);
  expect(err).toMatchObject({ code: 'redis/unavailable', cause: expect.any(Error) });
  expect((err as Error).cause).not.toBeInstanceOf(RedisUnavailableError);

  // With the offline queue on (game nodes), a command waits for a reconnection, then
  // fails with ioredis's MaxRetriesPerRequestError: the same class comes out.
  queued.options.maxRetriesPerRequest = 0;
  const late = await queued.get('sc:test:str').catch((e: unknown) => e);
  expect(late).toBeInstanceOf(RedisUnavailableError);
  expect(((late as Error).cause as Error).name).toBe('MaxRetriesPerRequestError');
});
