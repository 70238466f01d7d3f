import {
  DEFAULT_REFRESH_TTL_SECONDS, REFRESH_REUSE_GRACE_MS, hashToken, newRefreshToken, sealReplacement, unsealReplacement,
  type RefreshGrant, type Rotation, type SessionStore,
} from './sessions';

/**
 * In-memory twin of the refresh-token store (same hashing and sealing as the
 * Redis one). Expired grants and replays are purged as new grants are issued
 * (each map holds entries of one lifetime, so insertion order is expiry
 * order), as Redis expires its keys.
 */
export class MemorySessionStore implements SessionStore {
  readonly #grants = new Map<string, { grant: RefreshGrant; expiresAt: number }>();
  readonly #rotated = new Map<string, { grant: RefreshGrant; sealed: string; expiresAt: number }>();

  constructor(
    private readonly ttlSeconds = DEFAULT_REFRESH_TTL_SECONDS,
    private readonly now: () => number = Date.now,
    private readonly graceMs = REFRESH_REUSE_GRACE_MS,
  ) {}

  /** Grants held right now (for tests). */
  get size(): number {
    return this.#grants.size;
  }

  async issue(grant: RefreshGrant): Promise<string> {
    return this.#issue(grant);
  }

  async rotate(token: string): Promise<Rotation | null> {
    const h = hashToken(token);
    const again = this.#rotated.get(h);
    if (again && again.expiresAt > this.now()) {
      const refreshToken = unsealReplacement(token, again.sealed);
      return refreshToken ? { grant: again.grant, refreshToken } : null;
    }
    const entry = this.#grants.get(h);
    this.#grants.delete(h);
    if (!entry || entry.expiresAt <= this.now()) return null;
    // No await from the lookup to here: like the Redis script, one step that nobody interleaves with.
    const refreshToken = this.#issue(entry.grant);
    this.#rotated.set(h, { grant: entry.grant, sealed: sealReplacement(token, refreshToken), expiresAt: this.now() + this.graceMs });
    return { grant: entry.grant, refreshToken };
  }

  #issue(grant: RefreshGrant): string {
    const now = this.now();
    purgeExpired(this.#grants, now);
    purgeExpired(this.#rotated, now);
    const token = newRefreshToken();
    this.#grants.set(hashToken(token), { grant: { playerId: grant.playerId, name: grant.name }, expiresAt: this.now() + this.ttlSeconds * 1000 });
    return token;
  }
}

/** Drops the expired entries at the head of `entries`, whose insertion order is their expiry order. */
function purgeExpired(entries: Map<string, { expiresAt: number }>, now: number): void {
  for (const [key, entry] of entries) {
    if (entry.expiresAt > now) break;
    entries.delete(key);
  }
}
