import { describe, expect, it } from 'vitest';
import { CachedLeaderboardReads } from '../../../server/stores/leaderboard-cache';
import { MemoryLeaderboardStore } from '../../../server/stores/leaderboard-memory';
import type { LeaderboardStore } from '../../../server/stores/leaderboard';

const match = (id: string, score: number) => ({ matchId: id, match: 1, standings: [{ playerId: `p-${id}`, name: id, score }] });

/** Counts the reads that reach the real store. */
function counting(store: LeaderboardStore) {
  const calls = { top: 0 };
  const top = store.top.bind(store);
  store.top = (...args) => {
    calls.top++;
    return top(...args);
  };
  return { store, calls };
}

describe('CachedLeaderboardReads', () => {
  it('reads a page once and shares it, concurrent requests included', async () => {
    const { store, calls } = counting(new MemoryLeaderboardStore());
    const cache = new CachedLeaderboardReads(store, 1000);
    await store.recordMatch(match('a', 5));
    const pages = await Promise.all([cache.top('score-best', 0, 10), cache.top('score-best', 0, 10)]);
    await cache.top('score-best', 0, 10);
    expect(calls.top).toBe(1);
    expect(pages[0]!.entries).toEqual([{ rank: 1, playerId: 'p-a', name: 'a', score: 5 }]);
  });

  it('drops its pages when a match is recorded or invalidated, and after the TTL', async () => {
    let now = 0;
    const inner = new MemoryLeaderboardStore();
    const cache = new CachedLeaderboardReads(inner, 1000, () => now);
    expect((await cache.top('score-best', 0, 10)).total).toBe(0);
    await cache.recordMatch(match('a', 5));
    expect((await cache.top('score-best', 0, 10)).total).toBe(1);
    await inner.recordMatch(match('b', 7)); // written by someone else
    expect((await cache.top('score-best', 0, 10)).total).toBe(1);
    cache.invalidate();
    expect((await cache.top('score-best', 0, 10)).total).toBe(2);
    await inner.recordMatch(match('c', 9));
    now += 1001;
    expect((await cache.top('score-best', 0, 10)).total).toBe(3);
  });

  it('does not keep a failed read', async () => {
    const flaky = new MemoryLeaderboardStore();
    let fail = true;
    const top = flaky.top.bind(flaky);
    flaky.top = (...args) => (fail ? Promise.reject(new Error('redis down')) : top(...args));
    const cache = new CachedLeaderboardReads(flaky, 1000);
    await expect(cache.top('score-best', 0, 10)).rejects.toThrow('redis down');
    fail = false;
    await expect(cache.top('score-best', 0, 10)).resolves.toMatchObject({ total: 0 });
  });

  it('holds at most maxPages pages whatever the cursors, and serves none past its TTL', async () => {
    let now = 0;
    const { store, calls } = counting(new MemoryLeaderboardStore());
    const cache = new CachedLeaderboardReads(store, 1000, () => now, 50);
    for (let offset = 0; offset < 5000; offset++) await cache.top('score-best', offset, 10);
    expect(cache.size).toBe(50);
    const before = calls.top;
    await cache.top('score-best', 4999, 10); // recent: still cached
    expect(calls.top).toBe(before);
    await cache.top('score-best', 0, 10); // evicted long ago
    expect(calls.top).toBe(before + 1);
    now += 1001;
    await cache.top('score-best', 4999, 10);
    expect(calls.top).toBe(before + 2);
  });
});
