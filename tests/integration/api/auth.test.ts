import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import jwt from 'jsonwebtoken';
import { INSTANCE_HEADER, type Session } from '../../../shared/api';
import { TOKEN_AUDIENCE, TOKEN_ISSUER } from '../../../server/common/tokens';
import { startRedis, type TestRedis } from '../../support/redis';
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

  it('rotates refresh tokens: same player, old token single-use', async () => {
    const first = await login(h!.app, 'Bob');
    const refresh = (token: string) => h!.app.inject({ method: 'POST', url: '/v1/auth/refresh', payload: { refreshToken: token } });
    const res = await refresh(first.refreshToken);
    expect(res.statusCode).toBe(200);
    const second = res.json<Session>();
    expect(second.playerId).toBe(first.playerId);
    expect(second.refreshToken).not.toBe(first.refreshToken);
    expect((await me(`Bearer ${second.accessToken}`)).statusCode).toBe(200);

    const reuse = await refresh(first.refreshToken);
    expect(reuse.statusCode).toBe(401);
    expect(reuse.json()).toMatchObject({ code: 'auth/invalid' });
    expect((await refresh(second.refreshToken)).statusCode).toBe(200);
    expect((await refresh('a'.repeat(43))).statusCode).toBe(401);
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
