import type { Redis } from 'ioredis';
import { KEY_PREFIX } from '../common/redis';
import { DEFAULT_REFRESH_TTL_SECONDS, hashToken, newRefreshToken, type RefreshGrant, type SessionStore } from './sessions';

const key = (token: string): string => `${KEY_PREFIX}rt:${hashToken(token)}`;

/** Refresh tokens in Redis: SET with EX to issue, GETDEL to consume (atomic, so a token cannot be used twice). */
export class RedisSessionStore implements SessionStore {
  constructor(private readonly redis: Redis, private readonly ttlSeconds = DEFAULT_REFRESH_TTL_SECONDS) {}

  async issue(grant: RefreshGrant): Promise<string> {
    const token = newRefreshToken();
    await this.redis.set(key(token), JSON.stringify({ playerId: grant.playerId, name: grant.name }), 'EX', this.ttlSeconds);
    return token;
  }

  async consume(token: string): Promise<RefreshGrant | null> {
    const raw = await this.redis.getdel(key(token));
    return raw ? (JSON.parse(raw) as RefreshGrant) : null;
  }
}
