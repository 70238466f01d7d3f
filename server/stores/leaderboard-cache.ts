import { LRUCache } from 'lru-cache';
import type { BoardStanding, LeaderboardEntry, LeaderboardId } from '../../shared/api';
import type { MatchResult } from '../../shared/protocol';
import type { LeaderboardSlice, LeaderboardStore, ResultFence } from './leaderboard';

/**
 * Top-of-board pages cached in front of a store. Boards change only when a
 * match ends, while every lobby and results screen reads them: a page is read
 * from Redis once and shared by every request until a recorded match
 * invalidates it (every instance hears of it at once, see
 * `watchLeaderboardChanges`) or `ttlMs` passes, the bound on staleness if a
 * notice is ever missed. Nothing here is authoritative: losing it loses nothing.
 *
 * The key includes the cursor (offset, limit), which any caller chooses: the
 * cache holds at most `maxPages` pages, least recently used out first, so a
 * sweep over a million cursors costs a bounded heap (an unbounded map kept
 * 326 MB after one).
 */
/** Pages one API instance keeps: every board's first pages many times over, a few hundred KB at most. */
export const DEFAULT_MAX_PAGES = 1000;

export class CachedLeaderboardReads implements LeaderboardStore {
  readonly #pages: LRUCache<string, { until: number; page: Promise<LeaderboardSlice> }>;

  constructor(
    private readonly inner: LeaderboardStore,
    private readonly ttlMs = 1000,
    private readonly now: () => number = Date.now,
    maxPages = DEFAULT_MAX_PAGES,
  ) {
    // The TTL is checked here against `now` (lru-cache's own TTL reads a clock cached for 1 ms).
    this.#pages = new LRUCache({ max: maxPages });
  }

  /** Pages held right now (for tests and metrics). */
  get size(): number {
    return this.#pages.size;
  }

  /** Drops every cached page (a match was recorded somewhere, or the change feed reconnected). */
  invalidate(): void {
    // clear() walks the cache's slots even when it is empty: with no reads between two matches
    // (a burst of results) it was 4-5% of a submit's CPU.
    if (this.#pages.size > 0) this.#pages.clear();
  }

  top(board: LeaderboardId, offset: number, limit: number): Promise<LeaderboardSlice> {
    const key = `${board}|${offset}|${limit}`;
    const now = this.now();
    const hit = this.#pages.get(key);
    if (hit && hit.until > now) return hit.page;
    const page = this.inner.top(board, offset, limit);
    this.#pages.set(key, { until: now + this.ttlMs, page });
    // A failed read is not cached: the next request asks Redis again.
    page.catch(() => {
      if (this.#pages.peek(key)?.page === page) this.#pages.delete(key);
    });
    return page;
  }

  async recordMatch(result: MatchResult, fence?: ResultFence): Promise<boolean> {
    const recorded = await this.inner.recordMatch(result, fence);
    this.invalidate();
    return recorded;
  }

  async record(result: MatchResult, fence?: ResultFence): Promise<void> {
    await this.recordMatch(result, fence);
  }

  around(board: LeaderboardId, playerId: string, limit: number): Promise<LeaderboardEntry[] | null> {
    return this.inner.around(board, playerId, limit);
  }

  standings(playerId: string): Promise<BoardStanding[]> {
    return this.inner.standings(playerId);
  }
}
