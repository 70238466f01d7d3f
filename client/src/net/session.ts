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

/**
 * The player's guest session: kept in `storage` (the browser's sessionStorage:
 * one per tab, so two tabs are two players), refreshed when the access token is
 * about to expire.
 */
export class SessionStore {
  #session: Session | null;

  constructor(private readonly api: ApiClient, private readonly storage: SessionStorageLike | null = null) {
    this.#session = load(storage);
  }

  get current(): Session | null {
    return this.#session;
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

  async #fresh(s: Session): Promise<Session> {
    return s.accessTokenExpiresAt - EXPIRY_MARGIN_MS > Date.now() ? s : this.#refresh(s);
  }

  async #refresh(s: Session): Promise<Session> {
    try {
      const body: RefreshBody = { refreshToken: s.refreshToken };
      return this.#store(await this.api.request<Session>('POST', '/v1/auth/refresh', { body }));
    } catch (err) {
      // A refresh token the API no longer knows: start over as a new guest with the same name.
      if (err instanceof ApiRequestError && err.status >= 400 && err.status < 500) return this.#login(s.name);
      throw err;
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
