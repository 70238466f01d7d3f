import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/** Who a refresh token was issued to. */
export interface RefreshGrant {
  playerId: string;
  name: string;
}

/** A refresh token traded in: who it was for, and the token that replaces it. */
export interface Rotation {
  grant: RefreshGrant;
  refreshToken: string;
}

/**
 * Opaque refresh tokens. Only a hash of each token is stored (a leaked store
 * does not leak usable tokens), with a TTL; each token is traded in once.
 */
export interface SessionStore {
  /** Issues a new refresh token for the grant. */
  issue(grant: RefreshGrant): Promise<string>;
  /**
   * Trades a refresh token for its replacement, atomically (the old one is
   * gone and the new one stored, or neither). The same token presented again
   * within {@link REFRESH_REUSE_GRACE_MS} gets the same replacement: the answer
   * to the first trade may have been lost (an instance died, the client timed
   * out), and turning that player into a new guest would lose their identity.
   * Null when the token is unknown, expired, or was traded in longer ago.
   */
  rotate(token: string): Promise<Rotation | null>;
}

export const DEFAULT_REFRESH_TTL_SECONDS = 30 * 24 * 3600;

/**
 * How long a traded-in refresh token still answers with its replacement. Long
 * enough for a client to retry a refresh whose answer it lost (its request
 * timeout and a retry on the other instance: seconds), short enough that a
 * stolen old token is worth little.
 */
export const REFRESH_REUSE_GRACE_MS = 30_000;

export function newRefreshToken(): string {
  return randomBytes(32).toString('base64url');
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

// The replacement is kept for the grace window sealed with a key only the old
// token's holder can derive (a different derivation from the lookup hash, which
// is the stored key's name): the store still holds nothing usable on its own.
const sealKey = (oldToken: string): Buffer => createHash('sha256').update(`statecraft:refresh-seal:${oldToken}`).digest();

/** The replacement token, sealed under the old one (AES-256-GCM). */
export function sealReplacement(oldToken: string, replacement: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', sealKey(oldToken), iv);
  const body = Buffer.concat([cipher.update(replacement, 'utf8'), cipher.final()]);
  return [iv, cipher.getAuthTag(), body].map((b) => b.toString('base64url')).join('.');
}

/** The replacement sealed by {@link sealReplacement}, or null if `sealed` is not one for this token. */
export function unsealReplacement(oldToken: string, sealed: string): string | null {
  const [iv, tag, body] = sealed.split('.').map((p) => Buffer.from(p, 'base64url'));
  if (!iv || !tag || !body) return null;
  try {
    const decipher = createDecipheriv('aes-256-gcm', sealKey(oldToken), iv);
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
  } catch {
    return null;
  }
}
