import { DEFAULT_REFRESH_TTL_SECONDS, hashToken, newRefreshToken, type RefreshGrant, type SessionStore } from './sessions';

/**
 * In-memory twin of the refresh-token store. Expired grants are purged as new
 * ones are issued (every grant has the same TTL, so insertion order is expiry
 * order), as Redis expires its keys.
 */
export class MemorySessionStore implements SessionStore {
  readonly #grants = new Map<string, { grant: RefreshGrant; expiresAt: number }>();

  constructor(private readonly ttlSeconds = DEFAULT_REFRESH_TTL_SECONDS, private readonly now: () => number = Date.now) {}

  /** Grants held right now (for tests). */
  get size(): number {
    return this.#grants.size;
  }

  async issue(grant: RefreshGrant): Promise<string> {
    const now = this.now();
    for (const [hash, entry] of this.#grants) {
      if (entry.expiresAt > now) break;
      this.#grants.delete(hash);
    }
    const token = newRefreshToken();
    this.#grants.set(hashToken(token), { grant: { playerId: grant.playerId, name: grant.name }, expiresAt: this.now() + this.ttlSeconds * 1000 });
    return token;
  }

  async consume(token: string): Promise<RefreshGrant | null> {
    const h = hashToken(token);
    const entry = this.#grants.get(h);
    this.#grants.delete(h);
    return entry && entry.expiresAt > this.now() ? entry.grant : null;
  }
}
