import type { Redis } from 'ioredis';
import { LEADERBOARD_IDS, type BoardStanding, type LeaderboardEntry, type LeaderboardId } from '../../shared/api';
import type { MatchResult } from '../../shared/protocol';
import { KEY_PREFIX, connectedForMs } from '../common/redis';
import {
  MATCH_DEDUP_SECONDS, dailyPeriod, periodOf, validStandings, weeklyPeriod,
  StaleResultError, type LeaderboardSlice, type LeaderboardStore, type ResultFence,
} from './leaderboard';
import { checkpointKey } from './checkpoints-redis';

// Scores are stored negated so ascending order with Redis's lexicographic
// tie-break gives "higher score first, then playerId ascending": ZRANK is then
// the exact rank, identical on every instance.

/** Every recorded match is announced here, atomically with the write (readers drop cached pages). */
export const CHANGED_CHANNEL = `${KEY_PREFIX}lb:changed`;

/**
 * Calls `onChange` whenever a match is recorded anywhere, and whenever the
 * subscription (re)connects, since notices may have been missed meanwhile.
 * Uses its own connection (a subscriber can do nothing else). Returns a stop function.
 */
export function watchLeaderboardChanges(redis: Redis, onChange: () => void): () => void {
  const sub = redis.duplicate({ connectionName: 'statecraft:lb-changes', enableOfflineQueue: true, maxRetriesPerRequest: null });
  sub.on('error', () => {}); // reconnects on its own; readers fall back to the TTL meanwhile
  sub.on('ready', onChange);
  sub.on('message', onChange);
  void sub.subscribe(CHANGED_CHANNEL).catch(() => {});
  return () => sub.disconnect();
}

// KEYS: match, names, then the 6 boards in LEADERBOARD_IDS order (best, total, best, total, ...),
// then the room's checkpoint hash (the fence). ARGV: dedup seconds, daily expiry ms, weekly
// expiry ms ('' = this store already set this period's), the recording copy's epoch ('' = unfenced),
// then (playerId, name, score)*.
// Returns 1 recorded, 0 already recorded, or -(current epoch) when the copy is stale.
// A player listed more than once counts once, with their best score (validStandings already
// merges them; the script holds the rule on its own too, since it is what writes).
const RECORD = `
if ARGV[4] ~= '' then
  local current = redis.call('HGET', KEYS[9], 'epoch')
  if current and tonumber(current) ~= tonumber(ARGV[4]) then return -tonumber(current) end
end
if not redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1]) then return 0 end
local best = {}
for i = 5, #ARGV, 3 do
  local id, neg = ARGV[i], -tonumber(ARGV[i + 2])
  if best[id] == nil or neg < best[id] then best[id] = neg end
end
for i = 5, #ARGV, 3 do
  local id = ARGV[i]
  local neg = best[id]
  if neg ~= nil then
    best[id] = nil
    redis.call('HSET', KEYS[2], id, ARGV[i + 1])
    for b = 3, 8, 2 do -- the six boards (KEYS[9] is the fence)
      redis.call('ZADD', KEYS[b], 'LT', neg, id)
      redis.call('ZINCRBY', KEYS[b + 1], neg, id)
    end
  end
end
if ARGV[2] ~= '' then redis.call('PEXPIREAT', KEYS[5], ARGV[2]) redis.call('PEXPIREAT', KEYS[6], ARGV[2]) end
if ARGV[3] ~= '' then redis.call('PEXPIREAT', KEYS[7], ARGV[3]) redis.call('PEXPIREAT', KEYS[8], ARGV[3]) end
redis.call('PUBLISH', '${CHANGED_CHANNEL}', KEYS[1])
return 1`;

// KEYS: board, names. ARGV: start, stop. Returns {total, [id, score]*, names}: one round trip per read.
const RANGE = `
local rows = redis.call('ZRANGE', KEYS[1], ARGV[1], ARGV[2], 'WITHSCORES')
local ids = {}
for i = 1, #rows, 2 do ids[#ids + 1] = rows[i] end
local names = {}
if #ids > 0 then names = redis.call('HMGET', KEYS[2], unpack(ids)) end
return {redis.call('ZCARD', KEYS[1]), rows, names}`;

// KEYS: board, names. ARGV: playerId, limit. Like RANGE, centred on the player; {-1} when absent.
const AROUND = `
local rank = redis.call('ZRANK', KEYS[1], ARGV[1])
if not rank then return {-1} end
local total, limit = redis.call('ZCARD', KEYS[1]), tonumber(ARGV[2])
local start = math.max(0, rank - math.floor(limit / 2))
if start + limit > total then start = math.max(0, total - limit) end
local rows = redis.call('ZRANGE', KEYS[1], start, start + limit - 1, 'WITHSCORES')
local ids = {}
for i = 1, #rows, 2 do ids[#ids + 1] = rows[i] end
return {start, rows, redis.call('HMGET', KEYS[2], unpack(ids))}`;

// KEYS: the 6 boards. ARGV: playerId. Returns {score|false, rank|false}* in KEYS order: /v1/players/me
// in one round trip and one reply (a 12-command pipeline was 12 replies to parse, per request).
const STANDINGS = `
local out = {}
for i = 1, #KEYS do
  out[2 * i - 1] = redis.call('ZSCORE', KEYS[i], ARGV[1])
  out[2 * i] = redis.call('ZRANK', KEYS[i], ARGV[1])
end
return out`;

type RangeReply = [number, string[], (string | null)[]];
interface Scripts {
  scLbRecord(...args: (string | number)[]): Promise<number>;
  scLbRange(...args: (string | number)[]): Promise<RangeReply>;
  scLbAround(...args: (string | number)[]): Promise<RangeReply | [-1]>;
  scLbStandings(...args: string[]): Promise<(string | number | null)[]>;
}

const NAMES_KEY = `${KEY_PREFIX}lb:names`;

export interface RedisLeaderboardOptions {
  /**
   * After each recorded match, `WAIT count timeoutMs`: the acknowledgement waits until that many
   * replicas hold the write. Replication is asynchronous, so without it a result the primary
   * acknowledged in its last moments is gone after a failover, and the node's outbox will not
   * retry it. When no replica answers in time the result stands on the primary alone (the
   * guarantee of no WAIT): a store whose replica is down must still record matches. Keep
   * `timeoutMs` under the connection's 1 s command timeout; only for a connection of its own,
   * since WAIT blocks it.
   */
  waitReplicas?: { count: number; timeoutMs: number };
}

/** The game nodes' WAIT with a replicated store: one replica, at most 200 ms (store-failover experiment). */
export const RESULTS_WAIT_REPLICAS = { count: 1, timeoutMs: 200 } as const;

/** Leaderboards in Redis sorted sets; every write of a match is one Lua script (atomic, exactly once). */
export class RedisLeaderboardStore implements LeaderboardStore {
  readonly #scripts: Scripts;
  /**
   * The daily and weekly periods whose boards this store has given their expiry: set once per period,
   * not with every write (each submit did four PEXPIREATs). Tied to the connection's ready time:
   * after a reconnect the store may have restarted empty and recreated a board without one.
   */
  #expirySet = { daily: '', weekly: '', readyAt: Number.NaN };

  constructor(private readonly redis: Redis, private readonly now: () => number = Date.now, private readonly options: RedisLeaderboardOptions = {}) {
    redis.defineCommand('scLbRecord', { numberOfKeys: 3 + LEADERBOARD_IDS.length, lua: RECORD });
    redis.defineCommand('scLbRange', { numberOfKeys: 2, lua: RANGE });
    redis.defineCommand('scLbAround', { numberOfKeys: 2, lua: AROUND });
    redis.defineCommand('scLbStandings', { numberOfKeys: LEADERBOARD_IDS.length, lua: STANDINGS });
    this.#scripts = redis as unknown as Scripts;
  }

  async record(result: MatchResult, fence?: ResultFence): Promise<void> {
    await this.recordMatch(result, fence);
  }

  async recordMatch(result: MatchResult, fence?: ResultFence): Promise<boolean> {
    const now = this.now();
    const args: (string | number)[] = [`${KEY_PREFIX}lb:match:${result.matchId}`, NAMES_KEY];
    for (const board of LEADERBOARD_IDS) args.push(this.#key(board, now));
    args.push(checkpointKey(fence?.roomId ?? result.matchId));
    const daily = dailyPeriod(now);
    const weekly = weeklyPeriod(now);
    // connectedForMs is 0 for a connection not made by createRedis: then every write sets the expiry.
    const readyAt = performance.now() - connectedForMs(this.redis);
    const expiry = this.#expirySet;
    const same = Math.abs(expiry.readyAt - readyAt) < 5; // the same connection (float noise aside)
    args.push(MATCH_DEDUP_SECONDS, same && expiry.daily === daily.tag ? '' : daily.expiresAt, same && expiry.weekly === weekly.tag ? '' : weekly.expiresAt, fence ? fence.epoch : '');
    for (const s of validStandings(result)) args.push(s.playerId, s.name, s.score);
    const outcome = Number(await this.#scripts.scLbRecord(...args));
    if (outcome < 0) throw new StaleResultError(fence!, -outcome);
    // A duplicate waits too: it may be the outbox's retry of a write whose first WAIT never answered.
    const wait = this.options.waitReplicas;
    if (wait) await this.redis.call('WAIT', wait.count, wait.timeoutMs);
    // Only a recorded match ran the PEXPIREATs (a duplicate or a refusal returns before them).
    if (outcome === 1 && connectedForMs(this.redis) > 0) this.#expirySet = { daily: daily.tag, weekly: weekly.tag, readyAt };
    return outcome === 1;
  }

  async top(board: LeaderboardId, offset: number, limit: number): Promise<LeaderboardSlice> {
    const [total, rows, names] = await this.#scripts.scLbRange(this.#key(board, this.now()), NAMES_KEY, offset, offset + limit - 1);
    return { entries: toEntries(offset, rows, names), total };
  }

  async around(board: LeaderboardId, playerId: string, limit: number): Promise<LeaderboardEntry[] | null> {
    const reply = await this.#scripts.scLbAround(this.#key(board, this.now()), NAMES_KEY, playerId, limit);
    if (reply[0] === -1) return null;
    const [start, rows, names] = reply as RangeReply;
    return toEntries(start, rows, names);
  }

  async standings(playerId: string): Promise<BoardStanding[]> {
    const now = this.now();
    const replies = await this.#scripts.scLbStandings(...LEADERBOARD_IDS.map((board) => this.#key(board, now)), playerId);
    return LEADERBOARD_IDS.map((board, i) => {
      const score = replies[2 * i];
      const rank = replies[2 * i + 1];
      return score == null || rank == null
        ? { board, rank: null, score: null }
        : { board, rank: Number(rank) + 1, score: -Number(score) || 0 };
    });
  }

  #key(board: LeaderboardId, now: number): string {
    return `${KEY_PREFIX}lb:${board}:${periodOf(board, now)?.tag ?? 'all'}`;
  }
}

function toEntries(start: number, rows: string[], names: (string | null)[]): LeaderboardEntry[] {
  const entries: LeaderboardEntry[] = [];
  for (let i = 0; i < rows.length; i += 2) {
    const playerId = rows[i] ?? '';
    // `-0` would serialise as 0 anyway; `|| 0` keeps it out of equality checks.
    entries.push({ rank: start + i / 2 + 1, playerId, name: names[i / 2] ?? '', score: -Number(rows[i + 1]) || 0 });
  }
  return entries;
}
