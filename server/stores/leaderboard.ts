import { LEADERBOARD_IDS, type BoardStanding, type LeaderboardEntry, type LeaderboardId } from '../../shared/api';
import type { MatchResult } from '../../shared/protocol';
import { CodedError, ErrorCodes } from '../../shared/errors';

/**
 * The copy of a checkpointed room that recorded a match: the store accepts its
 * results only while `epoch` is still the room's current epoch, so a stale copy
 * (split from the store, then healed) never wins over the live one.
 */
export interface ResultFence {
  roomId: string;
  epoch: number;
}

/** Results refused because the copy that sent them is no longer the room's current one. */
export class StaleResultError extends CodedError<typeof ErrorCodes.resultsStale> {
  constructor(readonly fence: ResultFence, readonly currentEpoch: number) {
    super(ErrorCodes.resultsStale, `Results of room ${fence.roomId} from epoch ${fence.epoch} refused: the room is at epoch ${currentEpoch} now.`);
  }
}

/** Where a game node sends finished matches (the leaderboard). Must be idempotent per `matchId`. */
export interface ResultsSink {
  /** Throws {@link StaleResultError} when `fence` is given and no longer current. */
  record(result: MatchResult, fence?: ResultFence): Promise<void>;
}

/** One page of a board, best first. */
export interface LeaderboardSlice {
  entries: LeaderboardEntry[];
  /** Players on the board. */
  total: number;
}

/**
 * Leaderboards fed by finished matches. Ranks are exact and deterministic:
 * higher score first, equal scores by playerId ascending (byte order), so two
 * instances asked at the same moment answer the same rank. Only game servers
 * write (via {@link ResultsSink.record}); players only read.
 */
export interface LeaderboardStore extends ResultsSink {
  /**
   * Writes every standing exactly once per `matchId`, atomically. False when the
   * match was already recorded. With a `fence`, first checks in the same step
   * that its epoch is the room's current one (a room the store has no record of
   * passes: nothing newer can have claimed it); throws {@link StaleResultError} if not.
   */
  recordMatch(result: MatchResult, fence?: ResultFence): Promise<boolean>;
  top(board: LeaderboardId, offset: number, limit: number): Promise<LeaderboardSlice>;
  /** About `limit` entries centred on the player; null when the player is not on the board. */
  around(board: LeaderboardId, playerId: string, limit: number): Promise<LeaderboardEntry[] | null>;
  /** The player's rank and score on every board, in {@link LEADERBOARD_IDS} order. */
  standings(playerId: string): Promise<BoardStanding[]>;
}

export function isLeaderboardId(value: string): value is LeaderboardId {
  return (LEADERBOARD_IDS as readonly string[]).includes(value);
}

/** How long a recorded matchId is remembered for de-duplication. */
export const MATCH_DEDUP_SECONDS = 7 * 24 * 3600;
/** Period boards outlive their period a little, for a reader paging across midnight. */
const PERIOD_GRACE_MS = 3600_000;
const DAY_MS = 86_400_000;

export interface Period {
  /** Key suffix: `d:2025-01-31` or `w:2025-01-27` (the week's Monday, UTC). */
  tag: string;
  /** Epoch ms when the board's key may expire. */
  expiresAt: number;
}

/**
 * The last period computed, by day number: every read and write asks for both periods of the
 * current day, and formatting the date each time was ~4% of a submit's CPU.
 */
function memoByDay(compute: (day: number) => Period): (now: number) => Period {
  let day = Number.NaN;
  let period: Period = { tag: '', expiresAt: 0 };
  return (now) => {
    const today = Math.floor(now / DAY_MS);
    if (today !== day) {
      period = Object.freeze(compute(today));
      day = today;
    }
    return period;
  };
}

export const dailyPeriod = memoByDay((day) => {
  const start = day * DAY_MS;
  return { tag: `d:${new Date(start).toISOString().slice(0, 10)}`, expiresAt: start + DAY_MS + PERIOD_GRACE_MS };
});

export const weeklyPeriod = memoByDay((day) => {
  // 1970-01-01 was a Thursday: shift so weeks start on Monday (ISO).
  const monday = (day - ((day + 3) % 7)) * DAY_MS;
  return { tag: `w:${new Date(monday).toISOString().slice(0, 10)}`, expiresAt: monday + 7 * DAY_MS + PERIOD_GRACE_MS };
});

/** The period a board currently reads and writes; null for all-time boards. */
export function periodOf(board: LeaderboardId, now: number): Period | null {
  if (board.endsWith('-daily')) return dailyPeriod(now);
  if (board.endsWith('-weekly')) return weeklyPeriod(now);
  return null;
}

/**
 * Standings worth writing: integer, finite scores of identified players, each
 * player once with their best score in the match (a player listed twice, say by
 * two seats, must not have the totals add both).
 */
export function validStandings(result: MatchResult): MatchResult['standings'] {
  const best = new Map<string, MatchResult['standings'][number]>();
  for (const s of result.standings) {
    if (s.playerId.length === 0 || !Number.isSafeInteger(s.score)) continue;
    const seen = best.get(s.playerId);
    if (!seen || s.score > seen.score) best.set(s.playerId, s);
  }
  return [...best.values()];
}

/** Entries around a rank, shifted to stay inside the board so the slice keeps `limit` rows when it can. */
export function aroundWindow(rank0: number, total: number, limit: number): { start: number; stop: number } {
  let start = Math.max(0, rank0 - Math.floor(limit / 2));
  if (start + limit > total) start = Math.max(0, total - limit);
  return { start, stop: start + limit - 1 };
}
