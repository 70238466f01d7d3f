import { createHash, createSecretKey, randomUUID, timingSafeEqual, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { LRUCache } from 'lru-cache';
import { CodedError, type ErrorCodes } from '../../shared/errors';

export const TOKEN_ISSUER = 'statecraft';
export const TOKEN_AUDIENCE = 'statecraft-players';
const ALGORITHM = 'HS256';
const VERIFIED_CACHE_SIZE = 10_000;

/** What a verified access token says about its bearer. */
export interface PlayerIdentity {
  playerId: string;
  name: string;
}

export type TokenErrorCode = typeof ErrorCodes.authExpired | typeof ErrorCodes.authInvalid;

export class TokenError extends CodedError<TokenErrorCode> {}

/**
 * Signs and verifies access tokens. The secret is wrapped in a KeyObject once:
 * jsonwebtoken re-parses a string secret on every call, which measured ~50×
 * slower verification. The algorithm, issuer and audience are pinned, so
 * `alg: none` and tokens for another audience are refused.
 */
export class TokenService {
  readonly #key: KeyObject;
  /**
   * Tokens already verified, until they expire: a client sends the same token many
   * times. Bounded by count (least recently used out first), so a flood of distinct
   * valid tokens costs a bounded heap.
   */
  readonly #verified = new LRUCache<string, { identity: PlayerIdentity; expiresAt: number }>({ max: VERIFIED_CACHE_SIZE });

  constructor(secret: string, readonly ttlSeconds = 900) {
    if (Buffer.byteLength(secret) < 32) throw new Error('JWT_SECRET must be at least 32 bytes');
    this.#key = createSecretKey(Buffer.from(secret));
  }

  sign(identity: PlayerIdentity): { token: string; expiresAt: number } {
    const token = jwt.sign({ name: identity.name }, this.#key, {
      algorithm: ALGORITHM,
      subject: identity.playerId,
      issuer: TOKEN_ISSUER,
      audience: TOKEN_AUDIENCE,
      expiresIn: this.ttlSeconds,
      jwtid: randomUUID(),
    });
    return { token, expiresAt: Date.now() + this.ttlSeconds * 1000 };
  }

  /** Returns the bearer's identity or throws a {@link TokenError}. */
  verify(token: string): PlayerIdentity {
    // Keyed by the whole token, signature included: only a byte-identical, already
    // verified token hits, and only until its own expiry.
    const hit = this.#verified.get(token);
    if (hit && hit.expiresAt > Date.now()) return hit.identity;
    if (hit) this.#verified.delete(token);
    const verified = this.#verify(token);
    this.#verified.set(token, verified);
    return verified.identity;
  }

  #verify(token: string): { identity: PlayerIdentity; expiresAt: number } {
    let payload: string | jwt.JwtPayload;
    try {
      payload = jwt.verify(token, this.#key, {
        algorithms: [ALGORITHM],
        issuer: TOKEN_ISSUER,
        audience: TOKEN_AUDIENCE,
      });
    } catch (err) {
      if (err instanceof jwt.TokenExpiredError) throw new TokenError('auth/expired', 'Your session has expired: log in again.', { cause: err });
      throw new TokenError('auth/invalid', 'The access token is not valid.', { cause: err });
    }
    if (typeof payload === 'string' || typeof payload.sub !== 'string' || typeof payload.name !== 'string') {
      throw new TokenError('auth/invalid', 'The access token is missing its player claims.');
    }
    return { identity: { playerId: payload.sub, name: payload.name }, expiresAt: (payload.exp ?? 0) * 1000 };
  }
}

/**
 * Whether an `Authorization` header carries `Bearer <expected>` (for the
 * /metrics token). Compared as hashes in constant time, so neither the token
 * nor its length leaks through timing.
 */
export function bearerMatches(header: string | undefined, expected: string): boolean {
  if (!header?.startsWith('Bearer ')) return false;
  const digest = (value: string): Buffer => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(header.slice('Bearer '.length)), digest(expected));
}
