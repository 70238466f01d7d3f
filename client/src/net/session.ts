import type { GuestLoginBody, RefreshBody, Session } from '../../../shared/api';
import { ErrorCodes } from '../../../shared/errors';
import { ApiRequestError, type ApiClient, type RequestOptions } from './api';

/** Where a session is kept between page loads: the browser passes sessionStorage; the bots keep none. */
export interface SessionStorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

const STORAGE_KEY = 'statecraft.session';
/** Refresh this long before the access token expires, so a request never races the expiry. */
const EXPIRY_MARGIN_MS = 30_000;

/** Why the stored login could not be kept, and who the player is now. */
export interface IdentityReplaced {
  previous: Session;
  next: Session;
  /** The API's answer to the refresh, for a person. */
  reason: string;
}

/**
 * The player's guest session: kept in `storage` (the browser's sessionStorage:
 * one per tab, so two tabs are two players), refreshed when the access token is
 * about to expire.
 *
 * Refresh tokens are single-use, so a refresh is single-flight: every caller
 * that needs one while it is in the air (several 401s at once) waits for the
 * same call; a second call with the just-used token would be refused and cost
 * the player their identity. Only the API saying the token is unknown
 * (auth/invalid) ends the identity, and then listeners of `onReplaced` hear it
 * (the page says so); a store outage or a network failure keeps the current
 * session and the next call tries again.
 */
export class SessionStore {
  #session: Session | null;
  #refreshing: { from: Session; done: Promise<Session> } | null = null;
  readonly #replacedListeners = new Set<(r: IdentityReplaced) => void>();

  constructor(private readonly api: ApiClient, private readonly storage: SessionStorageLike | null = null) {
    this.#session = load(storage);
  }

  get current(): Session | null {
    return this.#session;
  }

  /** Called when the login could not be kept and the player carries on as a new guest. */
  onReplaced(listener: (r: IdentityReplaced) => void): () => void {
    this.#replacedListeners.add(listener);
    return () => this.#replacedListeners.delete(listener);
  }

  /** A session for `name`: the stored one if it has that name, otherwise a new guest login. */
  async ensure(name: string): Promise<Session> {
    const s = this.#session;
    if (s && s.name === name) return this.#fresh(s);
    return this.#login(name);
  }

  /** Calls the API with a valid access token, refreshing it once if the API says it expired. */
  async authorized<T>(method: 'GET' | 'POST', path: string, options: Omit<RequestOptions, 'token'> = {}): Promise<T> {
    const s = this.#session;
    if (!s) throw new ApiRequestError(ErrorCodes.authRequired, 'Log in first.', 401);
    const fresh = await this.#fresh(s);
    try {
      return await this.api.request<T>(method, path, { ...options, token: fresh.accessToken });
    } catch (err) {
      if (!(err instanceof ApiRequestError) || err.code !== ErrorCodes.authExpired) throw err;
      const renewed = await this.#refresh(fresh);
      return this.api.request<T>(method, path, { ...options, token: renewed.accessToken });
    }
  }

  /** `s` if its access token has a while to live, else a refreshed session. */
  async #fresh(s: Session): Promise<Session> {
    if (s.accessTokenExpiresAt - EXPIRY_MARGIN_MS > Date.now()) return s;
    try {
      return await this.#refresh(s);
    } catch (err) {
      // Refreshing early failed for now (store or network out): the token still works until it expires.
      if (s.accessTokenExpiresAt > Date.now() && !(err instanceof ApiRequestError && err.code === ErrorCodes.authInvalid)) return s;
      throw err;
    }
  }

  /** One refresh of `s`, shared by every caller that asks while it is in the air. */
  #refresh(s: Session): Promise<Session> {
    const current = this.#session;
    // The session already moved past `s` (a request that got its 401 late): use the newer one.
    if (current && current.refreshToken !== s.refreshToken) return Promise.resolve(current);
    if (this.#refreshing?.from.refreshToken === s.refreshToken) return this.#refreshing.done;
    const done = this.#rotate(s).finally(() => {
      if (this.#refreshing?.done === done) this.#refreshing = null;
    });
    this.#refreshing = { from: s, done };
    return done;
  }

  async #rotate(s: Session): Promise<Session> {
    try {
      const body: RefreshBody = { refreshToken: s.refreshToken };
      return this.#store(await this.api.request<Session>('POST', '/v1/auth/refresh', { body }));
    } catch (err) {
      // Only "this token is unknown" ends the identity; anything else (redis/unavailable, rate/limited,
      // no instance answering) leaves the session as it is, for the caller's retry policy.
      if (!(err instanceof ApiRequestError) || err.code !== ErrorCodes.authInvalid) throw err;
      const next = await this.#login(s.name);
      for (const l of this.#replacedListeners) l({ previous: s, next, reason: err.message });
      return next;
    }
  }

  async #login(name: string): Promise<Session> {
    const body: GuestLoginBody = { name };
    return this.#store(await this.api.request<Session>('POST', '/v1/auth/guest', { body }));
  }

  #store(s: Session): Session {
    this.#session = s;
    this.storage?.setItem(STORAGE_KEY, JSON.stringify(s));
    return s;
  }
}

function load(storage: SessionStorageLike | null): Session | null {
  try {
    const raw = storage?.getItem(STORAGE_KEY);
    if (!raw) return null;
    const s = JSON.parse(raw) as Partial<Session>;
    return typeof s.playerId === 'string' && typeof s.accessToken === 'string' && typeof s.refreshToken === 'string'
      && typeof s.name === 'string' && typeof s.accessTokenExpiresAt === 'number'
      ? (s as Session)
      : null;
  } catch {
    return null;
  }
}
