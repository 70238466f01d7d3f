import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import jwt from 'jsonwebtoken';
import { INSTANCE_HEADER, type Session } from '../../../shared/api';
import { TOKEN_AUDIENCE, TOKEN_ISSUER } from '../../../server/common/tokens';
import { startRedis, type TestRedis } from '../../support/redis';
import { RedisSessionStore } from '../../../server/stores/sessions-redis';
import { SECRET, harness, login, type Harness } from './harness';

let redis: TestRedis | undefined;
let h: Harness | undefined;
afterAll(async () => {
  await h?.close();
  await redis?.stop();
});
beforeAll(async () => {
  redis = await startRedis();
  h = await harness(redis.url);
});

const refresh = (on: Harness, token: string) => on.app.inject({ method: 'POST', url: '/v1/auth/refresh', payload: { refreshToken: token } });

const me = (authorization?: string) =>
  h!.app.inject({ method: 'GET', url: '/v1/players/me', headers: authorization ? { authorization } : {} });

function sign(payload: object, options: jwt.SignOptions, secret: string = SECRET): string {
  return jwt.sign(payload, secret, { issuer: TOKEN_ISSUER, audience: TOKEN_AUDIENCE, subject: 'p-1', expiresIn: 60, ...options });
}

describe('guest sessions', () => {
  it('issues a session whose access token opens authenticated routes', async () => {
    const session = await login(h!.app, 'Ann');
    expect(session).toMatchObject({ name: 'Ann', playerId: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    expect(session.accessTokenExpiresAt).toBeGreaterThan(Date.now());
    const res = await me(`Bearer ${session.accessToken}`);
    expect(res.statusCode).toBe(200);
    expect(res.headers[INSTANCE_HEADER]).toBe('api-test');
    expect(res.json()).toMatchObject({ playerId: session.playerId, name: 'Ann' });
    expect(res.json().standings).toHaveLength(6);
  });

  it('refuses bad names with request/invalid', async () => {
    for (const payload of [{ name: '' }, { name: 'x'.repeat(17) }, { name: '<script>' }, { name: '   ' }, {}, { name: 'Ann', admin: true }]) {
      const res = await h!.app.inject({ method: 'POST', url: '/v1/auth/guest', payload });
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      expect(res.json()).toMatchObject({ code: 'request/invalid', statusCode: 400 });
    }
  });

  it('rotates refresh tokens: same player, a new token each time', async () => {
    const first = await login(h!.app, 'Bob');
    const res = await refresh(h!, first.refreshToken);
    expect(res.statusCode).toBe(200);
    const second = res.json<Session>();
    expect(second.playerId).toBe(first.playerId);
    expect(second.refreshToken).not.toBe(first.refreshToken);
    expect((await me(`Bearer ${second.accessToken}`)).statusCode).toBe(200);
    expect((await refresh(h!, second.refreshToken)).statusCode).toBe(200);
    expect((await refresh(h!, 'a'.repeat(43))).statusCode).toBe(401);
  });

  it('keeps the identity when a refresh answer is lost: the same token on another instance gets the same new session', async () => {
    const other = await harness(redis!.url);
    try {
      const first = await login(h!.app, 'Cy');
      // The first answer never reaches the client (its instance died mid-response)...
      const lost = (await refresh(h!, first.refreshToken)).json<Session>();
      // ...so it retries with the same token on the other instance.
      const retry = await refresh(other, first.refreshToken);
      expect(retry.statusCode).toBe(200);
      const again = retry.json<Session>();
      expect(again).toMatchObject({ playerId: first.playerId, name: 'Cy', refreshToken: lost.refreshToken });
      expect((await me(`Bearer ${again.accessToken}`)).json()).toMatchObject({ playerId: first.playerId });
      expect((await refresh(other, again.refreshToken)).json<Session>().playerId).toBe(first.playerId);
    } finally {
      await other.close();
    }
  });

  it('refuses a traded-in refresh token once its grace window is over', async () => {
    const shortGrace = await harness(redis!.url, {});
    const sessions = new RedisSessionStore(shortGrace.redis, 60, 200);
    const quick = await harness(redis!.url, { stores: { ...shortGrace.stores, sessions } });
    try {
      const first = await login(quick.app, 'Di');
      expect((await refresh(quick, first.refreshToken)).statusCode).toBe(200);
      await expect.poll(async () => (await refresh(quick, first.refreshToken)).statusCode, { timeout: 3000, interval: 50 }).toBe(401);
      expect((await refresh(quick, first.refreshToken)).json()).toMatchObject({ code: 'auth/invalid' });
    } finally {
      await quick.close();
      await shortGrace.close();
    }
  });
});

describe('access tokens', () => {
  const cases: [string, () => string | undefined, string][] = [
    ['missing', () => undefined, 'auth/required'],
    ['not a bearer', () => 'Basic abc', 'auth/required'],
    ['garbage', () => 'Bearer not.a.jwt', 'auth/invalid'],
    ['forged signature', () => `Bearer ${sign({ name: 'Eve' }, {}, 'another-secret-that-is-at-least-32-bytes')}`, 'auth/invalid'],
    ['expired', () => `Bearer ${sign({ name: 'Old' }, { expiresIn: -10 })}`, 'auth/expired'],
    ['alg none', () => `Bearer ${jwt.sign({ name: 'Eve' }, '', { algorithm: 'none', issuer: TOKEN_ISSUER, audience: TOKEN_AUDIENCE, subject: 'p-1' })}`, 'auth/invalid'],
    ['wrong audience', () => `Bearer ${sign({ name: 'Eve' }, { audience: 'someone-else' })}`, 'auth/invalid'],
    ['wrong issuer', () => `Bearer ${sign({ name: 'Eve' }, { issuer: 'someone-else' })}`, 'auth/invalid'],
    ['HS512 with the right key', () => `Bearer ${sign({ name: 'Eve' }, { algorithm: 'HS512' })}`, 'auth/invalid'],
    ['missing name claim', () => `Bearer ${sign({}, {})}`, 'auth/invalid'],
  ];
  it.each(cases)('refuses a %s token with 401', async (_label, header, code) => {
    const res = await me(header());
    expect(res.statusCode).toBe(401);
    expect(res.json()).toEqual({ code, message: expect.any(String), statusCode: 401 });
    expect(res.headers[INSTANCE_HEADER]).toBe('api-test');
  });

  it('accepts a well-formed token signed with the shared secret', async () => {
    expect((await me(`Bearer ${sign({ name: 'Ok' }, {})}`)).statusCode).toBe(200);
  });
});
