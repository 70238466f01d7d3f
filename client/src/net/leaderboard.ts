import type { LeaderboardEntry, LeaderboardPage } from '../../../shared/api';
import type { ApiClient } from './api';

export const BEST_SCORE_BOARD = 'score-best';

export interface LeaderboardView {
  top: LeaderboardEntry[];
  /** Entries around the player; empty when they have no score yet or are not logged in. */
  aroundMe: LeaderboardEntry[];
}

/** Top 10 plus the neighbourhood of `playerId`. Public reads: no token needed. */
export async function fetchLeaderboard(api: ApiClient, playerId: string | null): Promise<LeaderboardView> {
  const board = encodeURIComponent(BEST_SCORE_BOARD);
  const [top, around] = await Promise.all([
    api.request<LeaderboardPage>('GET', `/v1/leaderboards/${board}?limit=10`),
    playerId
      ? api.request<LeaderboardPage>('GET', `/v1/leaderboards/${board}/around/${encodeURIComponent(playerId)}?limit=5`)
        // No entry yet for a new player is normal (404), not an outage.
        .catch(() => null)
      : Promise.resolve(null),
  ]);
  return { top: top.entries, aroundMe: around?.entries ?? [] };
}
