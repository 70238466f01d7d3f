import { describe, expect, it } from 'vitest';
import type { Session } from '../../../shared/api';
import { ErrorCodes, type ErrorCode } from '../../../shared/errors';
import { ApiRequestError, ApiUnavailableError, type ApiClient, type RequestOptions } from '../../../client/src/net/api';
import { SessionStore, type IdentityReplaced } from '../../../client/src/net/session';

const HOUR = 3_600_000;

function session(n: number, over: Partial<Session> = {}): Session {
  return { playerId: 'p-1', name: 'Ann', accessToken: `access-${n}`, refreshToken: `refresh-${n}`, accessTokenExpiresAt: Date.now() + HOUR, ...over };
}

type Answer = (body: unknown) => Promise<unknown>;

/**
 * A scripted API: each refresh waits on a gate the test opens, so concurrent callers really
 * overlap; `GET /v1/thing` answers 401 auth/expired to the old access token.
 */
class FakeApi {
  calls: string[] = [];
  refreshAnswer: Answer = async () => session(2);
  gate: Promise<void> = Promise.resolve();
  validToken = 'access-2';

  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    this.calls.push(`${method} ${path}`);
    if (path === '/v1/auth/refresh') {
      await this.gate;
      return (await this.refreshAnswer(options.body)) as T;
    }
    if (path === '/v1/auth/guest') return session(9, { playerId: 'p-new' }) as T;
    if (options.token !== this.validToken) throw new ApiRequestError(ErrorCodes.authExpired, 'expired', 401);
    return { ok: options.token } as T;
  }

  count(route: string): number {
    return this.calls.filter((c) => c === route).length;
  }
}

function storeWith(api: FakeApi, s: Session): SessionStore {
  const storage = new Map<string, string>([['statecraft.session', JSON.stringify(s)]]);
  return new SessionStore(api as unknown as ApiClient, { getItem: (k) => storage.get(k) ?? null, setItem: (k, v) => void storage.set(k, v) });
}

function refusal(code: ErrorCode, status: number): ApiRequestError {
  return new ApiRequestError(code, `refused: ${code}`, status);
}

describe('SessionStore: one refresh at a time, and the identity kept', () => {
  it('concurrent 401s share one refresh call, and every caller gets its answer with the new token', async () => {
    const api = new FakeApi();
    let open!: () => void;
    api.gate = new Promise<void>((r) => (open = r));
    const sessions = storeWith(api, session(1));
    const calls = Array.from({ length: 5 }, () => sessions.authorized<{ ok: string }>('GET', '/v1/thing'));
    await new Promise((r) => setTimeout(r, 0));
    open();
    const answers = await Promise.all(calls);
    expect(api.count('POST /v1/auth/refresh')).toBe(1);
    expect(answers.every((a) => a.ok === 'access-2')).toBe(true);
    expect(sessions.current?.refreshToken).toBe('refresh-2');
    expect(sessions.current?.playerId).toBe('p-1');
  });

  it('a token about to expire is refreshed once for concurrent callers', async () => {
    const api = new FakeApi();
    const sessions = storeWith(api, session(1, { accessTokenExpiresAt: Date.now() + 1000 }));
    await Promise.all([sessions.ensure('Ann'), sessions.ensure('Ann'), sessions.authorized('GET', '/v1/thing')]);
    expect(api.count('POST /v1/auth/refresh')).toBe(1);
    expect(sessions.current?.accessToken).toBe('access-2');
  });

  it('a 401 that arrives after the refresh finished reuses the new session: no second refresh of a spent token', async () => {
    const api = new FakeApi();
    let releaseLate!: () => void;
    const late = new Promise<void>((r) => (releaseLate = r));
    const request = api.request.bind(api);
    let things = 0;
    api.request = async <T>(method: string, path: string, options?: RequestOptions): Promise<T> => {
      // The first call's 401 for the old token is held back until the other caller has refreshed.
      if (path === '/v1/thing' && things++ === 0) await late;
      return request<T>(method, path, options);
    };
    const sessions = storeWith(api, session(1));
    const slow = sessions.authorized<{ ok: string }>('GET', '/v1/thing');
    await expect(sessions.authorized('GET', '/v1/thing')).resolves.toEqual({ ok: 'access-2' });
    releaseLate();
    await expect(slow).resolves.toEqual({ ok: 'access-2' });
    expect(api.count('POST /v1/auth/refresh')).toBe(1);
  });

  it('redis/unavailable, rate limits or no API at all keep the identity: the caller retries later, no new guest', async () => {
    for (const err of [refusal(ErrorCodes.redisUnavailable, 503), refusal(ErrorCodes.rateLimited, 429), new ApiUnavailableError(['http://a'])]) {
      const api = new FakeApi();
      api.refreshAnswer = async () => { throw err; };
      const sessions = storeWith(api, session(1));
      const replaced: IdentityReplaced[] = [];
      sessions.onReplaced((r) => replaced.push(r));
      await expect(sessions.authorized('GET', '/v1/thing')).rejects.toBe(err);
      expect(api.count('POST /v1/auth/guest')).toBe(0);
      expect(sessions.current?.playerId).toBe('p-1');
      expect(sessions.current?.refreshToken).toBe('refresh-1');
      expect(replaced).toEqual([]);
      // The store is back: the same refresh token works, the identity is the same.
      api.refreshAnswer = async () => session(2);
      await expect(sessions.authorized('GET', '/v1/thing')).resolves.toEqual({ ok: 'access-2' });
      expect(sessions.current?.playerId).toBe('p-1');
    }
  });

  it('an early refresh that fails for now keeps using the access token while it still works', async () => {
    const api = new FakeApi();
    api.validToken = 'access-1';
    api.refreshAnswer = async () => { throw refusal(ErrorCodes.redisUnavailable, 503); };
    const sessions = storeWith(api, session(1, { accessTokenExpiresAt: Date.now() + 5000 }));
    await expect(sessions.authorized('GET', '/v1/thing')).resolves.toEqual({ ok: 'access-1' });
    expect(sessions.current?.refreshToken).toBe('refresh-1');
  });

  it('auth/invalid on refresh: a new guest, once, and the page hears why (never silently)', async () => {
    const api = new FakeApi();
    api.validToken = 'access-9';
    let open!: () => void;
    api.gate = new Promise<void>((r) => (open = r));
    api.refreshAnswer = async () => { throw refusal(ErrorCodes.authInvalid, 401); };
    const sessions = storeWith(api, session(1));
    const replaced: IdentityReplaced[] = [];
    sessions.onReplaced((r) => replaced.push(r));
    const calls = [sessions.authorized('GET', '/v1/thing'), sessions.authorized('GET', '/v1/thing')];
    await new Promise((r) => setTimeout(r, 0));
    open();
    await Promise.all(calls);
    expect(api.count('POST /v1/auth/refresh')).toBe(1);
    expect(api.count('POST /v1/auth/guest')).toBe(1);
    expect(replaced).toHaveLength(1);
    expect(replaced[0]!.previous.playerId).toBe('p-1');
    expect(replaced[0]!.next.playerId).toBe('p-new');
    expect(replaced[0]!.reason).toContain('auth/invalid');
  });
});
