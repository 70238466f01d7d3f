import { beforeEach, describe, expect, it } from 'vitest';
import type { MatchResult } from '../../../../shared/protocol';
import { StaleResultError, type LeaderboardStore } from '../../../../server/stores/leaderboard';
import type { CheckpointStore } from '../../../../server/stores/checkpoints';

/** A clock tests can move: period boards follow it. */
export interface Clock { now: number }

/** A leaderboard, and the checkpoint store on the same backend (its epochs fence recorded results). */
export type LeaderboardFactory = (clock: Clock) => Promise<{ store: LeaderboardStore; checkpoints: CheckpointStore }>;

const DAY = 86_400_000;
// Next week's Wednesday, midday UTC: the next day is in the same ISO week, and
// period keys written "then" must not already be past their expiry in Redis.
const WEDNESDAY = ((): number => {
  const day = Math.floor(Date.now() / DAY);
  const monday = day - ((day + 3) % 7);
  return (monday + 7 + 2) * DAY + DAY / 2;
})();

function match(matchId: string, ...standings: [string, string, number][]): MatchResult {
  return { matchId, match: 1, standings: standings.map(([playerId, name, score]) => ({ playerId, name, score })) };
}

/** The contract every LeaderboardStore passes: run against the in-memory twin and Redis. */
export function leaderboardContract(label: string, factory: LeaderboardFactory): void {
  describe(`LeaderboardStore contract: ${label}`, () => {
    let clock: Clock;
    let store: LeaderboardStore;
    let checkpoints: CheckpointStore;
    beforeEach(async () => {
      clock = { now: WEDNESDAY };
      ({ store, checkpoints } = await factory(clock));
    });

    it('records a fenced result only from the copy holding the room\'s current epoch', async () => {
      const host = { nodeId: 'node-1', processId: 'proc-a' };
      const old = await checkpoints.claim('room-f', host);
      const current = await checkpoints.claim('room-f', { nodeId: 'node-2', processId: 'proc-b' });
      const stale = store.recordMatch(match('room-f:1', ['p-a', 'Ann', 50]), { roomId: 'room-f', epoch: old });
      await expect(stale).rejects.toBeInstanceOf(StaleResultError);
      await expect(stale).rejects.toMatchObject({ code: 'results/stale-epoch', currentEpoch: current });
      expect((await store.top('score-total', 0, 10)).total).toBe(0); // refused whole, and its match id not spent
      expect(await store.recordMatch(match('room-f:1', ['p-a', 'Ann', 40]), { roomId: 'room-f', epoch: current })).toBe(true);
      expect((await store.top('score-total', 0, 10)).entries.map((e) => e.score)).toEqual([40]);
      // A room the store has no record of cannot have a newer copy: its results pass.
      expect(await store.recordMatch(match('gone:1', ['p-b', 'Bob', 5]), { roomId: 'gone', epoch: 3 })).toBe(true);
    });

    it('keeps the best single-match score and the running total', async () => {
      await store.recordMatch(match('m1', ['p-a', 'Ann', 10], ['p-b', 'Bob', 30]));
      await store.recordMatch(match('m2', ['p-a', 'Ann', 25], ['p-b', 'Bob', 5]));
      const best = await store.top('score-best', 0, 10);
      expect(best.entries).toEqual([
        { rank: 1, playerId: 'p-b', name: 'Bob', score: 30 },
        { rank: 2, playerId: 'p-a', name: 'Ann', score: 25 },
      ]);
      expect(best.total).toBe(2);
      const total = await store.top('score-total', 0, 10);
      expect(total.entries.map((e) => [e.rank, e.playerId, e.score])).toEqual([[1, 'p-a', 35], [2, 'p-b', 35]]);
    });

    it('breaks ties by playerId ascending, whatever the insertion order', async () => {
      await store.recordMatch(match('m1', ['p-c', 'Cy', 7], ['p-a', 'Ann', 7], ['p-b', 'Bob', 9], ['p-d', 'Di', 7]));
      const { entries } = await store.top('score-best', 0, 10);
      expect(entries.map((e) => `${e.rank}:${e.playerId}`)).toEqual(['1:p-b', '2:p-a', '3:p-c', '4:p-d']);
    });

    it('writes a match exactly once, even when recorded twice and concurrently', async () => {
      const m = match('dup', ['p-a', 'Ann', 10], ['p-b', 'Bob', 4]);
      const written = await Promise.all(Array.from({ length: 8 }, () => store.recordMatch(m)));
      expect(written.filter(Boolean)).toHaveLength(1);
      expect(await store.recordMatch(m)).toBe(false);
      await store.record(m);
      const total = await store.top('score-total', 0, 10);
      expect(total.entries.map((e) => e.score)).toEqual([10, 4]);
      const daily = await store.top('score-total-daily', 0, 10);
      expect(daily.entries.map((e) => e.score)).toEqual([10, 4]);
    });

    it('pages through a board with exact ranks', async () => {
      const players = Array.from({ length: 25 }, (_, i): [string, string, number] => [`p-${String(i).padStart(2, '0')}`, `P${i}`, i * 3]);
      await store.recordMatch(match('big', ...players));
      const first = await store.top('score-best', 0, 10);
      const third = await store.top('score-best', 20, 10);
      expect(first.total).toBe(25);
      expect(first.entries[0]).toEqual({ rank: 1, playerId: 'p-24', name: 'P24', score: 72 });
      expect(third.entries.map((e) => e.rank)).toEqual([21, 22, 23, 24, 25]);
      expect(third.entries.at(-1)?.playerId).toBe('p-00');
      expect((await store.top('score-best', 30, 10)).entries).toEqual([]);
    });

    it('shows the entries around a player, shifted at the edges', async () => {
      const players = Array.from({ length: 9 }, (_, i): [string, string, number] => [`p-${i}`, `P${i}`, 100 - i]);
      await store.recordMatch(match('m', ...players));
      const mid = await store.around('score-best', 'p-4', 3);
      expect(mid?.map((e) => e.rank)).toEqual([4, 5, 6]);
      const top = await store.around('score-best', 'p-0', 5);
      expect(top?.map((e) => e.rank)).toEqual([1, 2, 3, 4, 5]);
      const bottom = await store.around('score-best', 'p-8', 5);
      expect(bottom?.map((e) => e.rank)).toEqual([5, 6, 7, 8, 9]);
      expect(await store.around('score-best', 'nobody', 5)).toBeNull();
    });

    it("reports a player's rank and score on every board", async () => {
      await store.recordMatch(match('m1', ['p-a', 'Ann', 10], ['p-b', 'Bob', 30]));
      const standings = await store.standings('p-a');
      expect(standings).toHaveLength(6);
      expect(standings.find((s) => s.board === 'score-best')).toEqual({ board: 'score-best', rank: 2, score: 10 });
      expect(standings.find((s) => s.board === 'score-total-weekly')).toEqual({ board: 'score-total-weekly', rank: 2, score: 10 });
      expect((await store.standings('nobody')).every((s) => s.rank === null && s.score === null)).toBe(true);
    });

    it('starts daily boards afresh each UTC day and weekly boards each week', async () => {
      await store.recordMatch(match('m1', ['p-a', 'Ann', 10]));
      clock.now += DAY;
      await store.recordMatch(match('m2', ['p-b', 'Bob', 5]));
      expect((await store.top('score-best-daily', 0, 10)).entries.map((e) => e.playerId)).toEqual(['p-b']);
      expect((await store.top('score-best-weekly', 0, 10)).entries.map((e) => e.playerId)).toEqual(['p-a', 'p-b']);
      expect((await store.top('score-best', 0, 10)).total).toBe(2);
      clock.now += 7 * DAY;
      expect((await store.top('score-total-weekly', 0, 10)).total).toBe(0);
      expect((await store.top('score-total', 0, 10)).total).toBe(2);
    });

    it('shows the name from the latest match and ignores unidentified or non-integer scores', async () => {
      await store.recordMatch(match('m1', ['p-a', 'Ann', 10], ['', 'Ghost', 50], ['p-x', 'Bad', 1.5]));
      await store.recordMatch(match('m2', ['p-a', 'Annie', 1]));
      const { entries } = await store.top('score-best', 0, 10);
      expect(entries).toEqual([{ rank: 1, playerId: 'p-a', name: 'Annie', score: 10 }]);
    });

    it('keeps zero scores as players on the board', async () => {
      await store.recordMatch(match('m1', ['p-a', 'Ann', 0]));
      expect((await store.top('score-total', 0, 10)).entries).toEqual([{ rank: 1, playerId: 'p-a', name: 'Ann', score: 0 }]);
      expect((await store.standings('p-a'))[0]).toEqual({ board: 'score-best', rank: 1, score: 0 });
    });

    it('counts a player listed twice in one match once, with their best score in it', async () => {
      await store.recordMatch(match('twice', ['p-a', 'Ann', 40], ['p-b', 'Bob', 20], ['p-a', 'Ann', 35], ['p-a', 'Ann', 30]));
      await store.recordMatch(match('later', ['p-a', 'Ann', 5], ['p-a', 'Ann', 5]));
      for (const board of ['score-total', 'score-total-daily', 'score-total-weekly'] as const) {
        expect((await store.top(board, 0, 10)).entries.map((e) => [e.playerId, e.score])).toEqual([['p-a', 45], ['p-b', 20]]);
      }
      expect((await store.top('score-best', 0, 10)).entries.map((e) => [e.playerId, e.score])).toEqual([['p-a', 40], ['p-b', 20]]);
      expect((await store.top('score-total', 0, 10)).total).toBe(2);
    });
  });
}
