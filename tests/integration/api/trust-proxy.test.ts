import Fastify from 'fastify';
import { afterAll, describe, expect, it } from 'vitest';
import { serverOptions } from '../../../server/api/app';

// The API's server options behind the ingress: X-Forwarded-For names the player only when the
// request comes from a trusted proxy (TRUST_PROXY), so per-IP limits count players, not the proxy.
const trusting = Fastify(serverOptions(false, ['10.1.2.3']));
const plain = Fastify(serverOptions(false));
for (const app of [trusting, plain]) app.get('/ip', async (request) => ({ ip: request.ip }));
afterAll(() => Promise.all([trusting.close(), plain.close()]));

const ip = async (app: typeof plain, remoteAddress: string) =>
  (await app.inject({ url: '/ip', remoteAddress, headers: { 'x-forwarded-for': '198.51.100.7' } })).json<{ ip: string }>().ip;

describe('TRUST_PROXY', () => {
  it('takes the forwarded address from the trusted proxy only', async () => {
    expect(await ip(trusting, '10.1.2.3')).toBe('198.51.100.7');
    expect(await ip(trusting, '10.9.9.9')).toBe('10.9.9.9');
    expect(await ip(plain, '10.1.2.3')).toBe('10.1.2.3');
  });
});
