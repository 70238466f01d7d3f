import type { Redis } from 'ioredis';
import { KEY_PREFIX } from '../common/redis';
import {
  DEFAULT_REFRESH_TTL_SECONDS, REFRESH_REUSE_GRACE_MS, hashToken, newRefreshToken, sealReplacement, unsealReplacement,
  type RefreshGrant, type Rotation, type SessionStore,
} from './sessions';

const key = (token: string): string => `${KEY_PREFIX}rt:${hashToken(token)}`;
const rotatedKey = (token: string): string => `${KEY_PREFIX}rt-rotated:${hashToken(token)}`;

// KEYS: old token, old token's rotation record, new token. ARGV: new token's TTL (s), grace (ms), sealed new token.
// One script, so the old token is never gone without its replacement stored.
// Returns {1, grant} for a fresh trade, {2, record} for a repeat within the grace window, nil otherwise.
const ROTATE = `
local again = redis.call('GET', KEYS[2])
if again then return {2, again} end
local grant = redis.call('GET', KEYS[1])
if not grant then return nil end
redis.call('DEL', KEYS[1])
redis.call('SET', KEYS[3], grant, 'EX', ARGV[1])
redis.call('SET', KEYS[2], cjson.encode({grant = grant, sealed = ARGV[3]}), 'PX', ARGV[2])
return {1, grant}`;

type Scripts = { scRtRotate(...args: (string | number)[]): Promise<[number, string] | null> };

/** Refresh tokens in Redis: SET with EX to issue, one Lua script to trade one in (see {@link SessionStore.rotate}). */
export class RedisSessionStore implements SessionStore {
  private readonly redis: Redis & Scripts;

  constructor(redis: Redis, private readonly ttlSeconds = DEFAULT_REFRESH_TTL_SECONDS, private readonly graceMs = REFRESH_REUSE_GRACE_MS) {
    redis.defineCommand('scRtRotate', { numberOfKeys: 3, lua: ROTATE });
    this.redis = redis as Redis & Scripts;
  }

  async issue(grant: RefreshGrant): Promise<string> {
    const token = newRefreshToken();
    await this.redis.set(key(token), JSON.stringify({ playerId: grant.playerId, name: grant.name }), 'EX', this.ttlSeconds);
    return token;
  }

  async rotate(token: string): Promise<Rotation | null> {
    const refreshToken = newRefreshToken();
    const reply = await this.redis.scRtRotate(key(token), rotatedKey(token), key(refreshToken),
      this.ttlSeconds, this.graceMs, sealReplacement(token, refreshToken));
    if (!reply) return null;
    if (reply[0] === 1) return { grant: JSON.parse(reply[1]) as RefreshGrant, refreshToken };
    const record = JSON.parse(reply[1]) as { grant: string; sealed: string };
    const again = unsealReplacement(token, record.sealed);
    return again ? { grant: JSON.parse(record.grant) as RefreshGrant, refreshToken: again } : null;
  }
}
