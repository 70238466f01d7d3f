import { createHash, randomBytes } from 'node:crypto';

/** Who a refresh token was issued to. */
export interface RefreshGrant {
  playerId: string;
  name: string;
}

/**
 * Opaque refresh tokens. Only a hash of each token is stored (a leaked store
 * does not leak usable tokens), with a TTL; each token works once.
 */
export interface SessionStore {
  /** Issues a new refresh token for the grant. */
  issue(grant: RefreshGrant): Promise<string>;
  /** Consumes a token: its grant, or null when unknown, expired or already used. */
  consume(token: string): Promise<RefreshGrant | null>;
}

export const DEFAULT_REFRESH_TTL_SECONDS = 30 * 24 * 3600;

export function newRefreshToken(): string {
  return randomBytes(32).toString('base64url');
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}
