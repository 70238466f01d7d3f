import { LEADERBOARD_IDS, type BoardStanding, type LeaderboardEntry, type LeaderboardId } from '../../shared/api';
import type { MatchResult } from '../../shared/protocol';
import { MATCH_DEDUP_SECONDS, StaleResultError, aroundWindow, periodOf, validStandings, type LeaderboardSlice, type LeaderboardStore, type ResultFence } from './leaderboard';

/** Same order as Redis over negated scores: higher score first, then member bytes ascending. */
function compare(a: [string, number], b: [string, number]): number {
  return b[1] - a[1] || Buffer.compare(Buffer.from(a[0]), Buffer.from(b[0]));
}

/** In-memory twin of the Redis leaderboard, for one-process mode and fast tests. */
export class MemoryLeaderboardStore implements LeaderboardStore {
  readonly #boards = new Map<string, Map<string, number>>();
  readonly #names = new Map<string, string>();
  /** Recorded match ids until their de-duplication window ends (then purged, as Redis expires them). */
  readonly #matches = new Map<string, number>();

  /**
   * `epochOf` answers a room's current fencing epoch (null: unknown room), as
   * the checkpoint store's hash does for the Redis twin's recording script.
   */
  constructor(
    private readonly now: () => number = Date.now,
    private readonly epochOf: (roomId: string) => Promise<number | null> = async () => null,
  ) {}

  async record(result: MatchResult, fence?: ResultFence): Promise<void> {
    await this.recordMatch(result, fence);
  }

  async recordMatch(result: MatchResult, fence?: ResultFence): Promise<boolean> {
    if (fence) {
      const current = await this.epochOf(fence.roomId);
      if (current !== null && current !== fence.epoch) throw new StaleResultError(fence, current);
    }
    const now = this.now();
    // Insertion order is expiry order: stop at the first id still inside its window.
    for (const [id, until] of this.#matches) {
      if (until > now) break;
      this.#matches.delete(id);
    }
    if (this.#matches.has(result.matchId)) return false;
    this.#matches.set(result.matchId, now + MATCH_DEDUP_SECONDS * 1000);
    for (const s of validStandings(result)) {
      this.#names.set(s.playerId, s.name);
      for (const board of LEADERBOARD_IDS) {
        const scores = this.#board(board, now);
        const old = scores.get(s.playerId);
        const next = board.startsWith('score-best') ? Math.max(old ?? s.score, s.score) : (old ?? 0) + s.score;
        scores.set(s.playerId, next);
      }
    }
    return true;
  }

  async top(board: LeaderboardId, offset: number, limit: number): Promise<LeaderboardSlice> {
    const sorted = this.#sorted(board);
    return { entries: this.#entries(sorted, offset, offset + limit - 1), total: sorted.length };
  }

  async around(board: LeaderboardId, playerId: string, limit: number): Promise<LeaderboardEntry[] | null> {
    const sorted = this.#sorted(board);
    const rank0 = sorted.findIndex(([id]) => id === playerId);
    if (rank0 < 0) return null;
    const { start, stop } = aroundWindow(rank0, sorted.length, limit);
    return this.#entries(sorted, start, stop);
  }

  async standings(playerId: string): Promise<BoardStanding[]> {
    return LEADERBOARD_IDS.map((board) => {
      const sorted = this.#sorted(board);
      const rank0 = sorted.findIndex(([id]) => id === playerId);
      const entry = sorted[rank0];
      return entry ? { board, rank: rank0 + 1, score: entry[1] } : { board, rank: null, score: null };
    });
  }

  #key(board: LeaderboardId, now: number): string {
    return `${board}:${periodOf(board, now)?.tag ?? 'all'}`;
  }

  #board(board: LeaderboardId, now: number): Map<string, number> {
    const key = this.#key(board, now);
    let scores = this.#boards.get(key);
    if (!scores) {
      // A new period replaces the previous one of the same board, as key expiry does in Redis.
      for (const old of this.#boards.keys()) if (old.startsWith(`${board}:`)) this.#boards.delete(old);
      scores = new Map();
      this.#boards.set(key, scores);
    }
    return scores;
  }

  #sorted(board: LeaderboardId): [string, number][] {
    const scores = this.#boards.get(this.#key(board, this.now()));
    return scores ? [...scores].sort(compare) : [];
  }

  #entries(sorted: [string, number][], start: number, stop: number): LeaderboardEntry[] {
    return sorted.slice(start, stop + 1).map(([playerId, score], i) => ({
      rank: start + i + 1, playerId, name: this.#names.get(playerId) ?? '', score,
    }));
  }
}
