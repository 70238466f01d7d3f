import { expect, it } from 'vitest';
import { RedisLeaderboardStore } from '../../../server/stores/leaderboard-redis';
import { dailyPeriod } from '../../../server/stores/leaderboard';
import { usePrivateRedis } from '../../support/redis';

// A game node's results: each period's boards get their expiry once, not with every write, and
// again whenever they may have been recreated without one (a new day, a reconnect).
const db = usePrivateRedis();

const DAY = 86_400_000;
const result = (n: number) => ({ matchId: `room:${n}`, match: n, standings: [{ playerId: `p${n}`, name: 'P', score: n }] });

it('sets each period board\'s expiry once per period, again on a new day and after a reconnect', async () => {
  await db.redis.flushdb();
  let now = Date.UTC(2031, 0, 8, 12); // a Wednesday, and in the future (an expiry in the past deletes the key)
  const store = new RedisLeaderboardStore(db.redis, () => now);
  await store.recordMatch(result(1));
  const daily = (await db.redis.keys('sc:lb:score-total-daily:*'))[0]!;
  expect(await db.redis.pexpiretime(daily)).toBe(dailyPeriod(now).expiresAt);

  // The expiry is not written again: a board that lost it (here by hand) keeps none until the period changes.
  await db.redis.persist(daily);
  await store.recordMatch(result(2));
  expect(await db.redis.pttl(daily)).toBe(-1);

  // A new connection (the store may have restarted empty): set again.
  db.redis.disconnect(true);
  await new Promise<void>((resolve) => db.redis.once('ready', () => resolve()));
  await store.recordMatch(result(3));
  expect(await db.redis.pexpiretime(daily)).toBe(dailyPeriod(now).expiresAt);

  // The next day's boards get theirs; the weekly one (same week) is not rewritten.
  const weekly = (await db.redis.keys('sc:lb:score-total-weekly:*'))[0]!;
  await db.redis.persist(weekly);
  now += DAY;
  await store.recordMatch(result(4));
  const next = (await db.redis.keys('sc:lb:score-total-daily:*')).find((k) => k !== daily)!;
  expect(await db.redis.pexpiretime(next)).toBe(dailyPeriod(now).expiresAt);
  expect(await db.redis.pttl(weekly)).toBe(-1);
  expect((await store.standings('p4')).find((s) => s.board === 'score-total-daily')).toEqual({ board: 'score-total-daily', rank: 1, score: 4 });
});
