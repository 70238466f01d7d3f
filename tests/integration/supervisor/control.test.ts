import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cluster } from '../../../server/supervisor/cluster';
import { startControlServer, type ControlServer } from '../../../server/supervisor/control';
import { freePort } from '../../../server/supervisor/ports';

// The real control endpoint on a free loopback port, over a real supervisor with one
// real process (one-process mode: a game node and an API in memory, no Redis needed).
const TOKEN = randomBytes(24).toString('base64url');
const PAGE = 'http://127.0.0.1:8080';
let cluster: Cluster | undefined;
let control: ControlServer | undefined;

afterAll(async () => {
  await control?.close();
  await cluster?.stop(2000);
});
beforeAll(async () => {
  cluster = new Cluster({
    redisUrl: null, gamePorts: [await freePort()], apiPorts: [await freePort()], publicHost: '127.0.0.1',
    jwtSecret: randomBytes(32).toString('base64url'), env: { LOG_LEVEL: 'warn' },
    print: (id, line) => process.stderr.write(`[${id}] ${line}\n`),
  });
  await cluster.start();
  control = await startControlServer(cluster, TOKEN, 0, [PAGE]);
}, 60_000);

function call(path: string, init: RequestInit & { token?: string | null } = {}): Promise<Response> {
  const { token = TOKEN, headers, ...rest } = init;
  return fetch(control!.url + path, {
    ...rest,
    headers: { ...(token === null ? {} : { authorization: `Bearer ${token}` }), ...headers },
  });
}

const postFault = (body: string, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
  call('/faults', { method: 'POST', body, headers });

describe('the control endpoint', () => {
  it('listens on loopback only', () => {
    expect(new URL(control!.url).hostname).toBe('127.0.0.1');
  });

  it('refuses a missing or wrong token with 401 control/unauthorized, on every path', async () => {
    for (const [path, token] of [['/processes', null], ['/processes', 'wrong'], ['/faults', `${TOKEN}x`], ['/nowhere', null]] as const) {
      const res = await call(path, { token, method: path === '/faults' ? 'POST' : 'GET' });
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual({ code: 'control/unauthorized', message: expect.any(String), statusCode: 401 });
    }
  });

  it('lists the processes with their states', async () => {
    const res = await call('/processes');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      processes: [{ id: 'node-1', kind: 'game', port: cluster!.get('node-1').spec.port, pid: expect.any(Number), state: 'alive', lastExit: null }],
    });
  });

  it('answers an unknown target with 409 control/unknown-target, naming the known ones', async () => {
    const res = await postFault(JSON.stringify({ fault: 'kill', target: 'node-9' }));
    expect(res.status).toBe(409);
    expect(await res.json()).toEqual({ code: 'control/unknown-target', message: 'No process called "node-9". Known: node-1.', statusCode: 409 });
  });

  it('refuses bad requests with stable codes: unknown fault, malformed JSON, oversized body, no JSON', async () => {
    const unknownFault = await postFault(JSON.stringify({ fault: 'explode', target: 'node-1' }));
    expect(unknownFault.status).toBe(400);
    expect(await unknownFault.json()).toMatchObject({ code: 'control/invalid', statusCode: 400 });

    const malformed = await postFault('{"fault": "kill", ');
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toEqual({ code: 'request/invalid', message: expect.stringContaining('Malformed JSON'), statusCode: 400 });

    const oversized = await postFault(JSON.stringify({ fault: 'kill', target: 'x'.repeat(2000) }));
    expect(oversized.status).toBe(413);
    expect(await oversized.json()).toEqual({ code: 'request/too-large', message: expect.any(String), statusCode: 413 });

    const text = await postFault('<fault>kill</fault>', { 'content-type': 'application/xml' });
    expect(text.status).toBe(415);
    expect(await text.json()).toMatchObject({ code: 'request/unsupported-media-type', statusCode: 415 });

    const route = await call('/faults/kill');
    expect(route.status).toBe(404);
    expect(await route.json()).toEqual({ code: 'control/not-found', message: expect.any(String), statusCode: 404 });
    expect(cluster!.get('node-1').state).toBe('alive');
  });

  it('answers CORS for the game page only, preflight without a token', async () => {
    const preflight = await call('/faults', {
      method: 'OPTIONS', token: null,
      headers: { origin: PAGE, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(PAGE);
    expect(preflight.headers.get('access-control-allow-headers')).toBe('authorization, content-type');
    const page = await call('/processes', { headers: { origin: PAGE } });
    expect(page.headers.get('access-control-allow-origin')).toBe(PAGE);
    const other = await call('/processes', { headers: { origin: 'http://evil.example' } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('kills a process with a real signal, refuses to kill it twice, and restarts it', async () => {
    const pid = cluster!.get('node-1').pid;
    const kill = await postFault(JSON.stringify({ fault: 'kill', target: 'node-1' }));
    expect(kill.status).toBe(200);
    expect(await kill.json()).toEqual({ ok: true, message: `node-1 killed (SIGKILL, pid ${pid})`, at: expect.any(Number) });
    await expect.poll(() => cluster!.get('node-1').state, { timeout: 5000, interval: 20 }).toBe('dead');
    expect(cluster!.get('node-1').lastExit).toBe('SIGKILL');

    const again = await postFault(JSON.stringify({ fault: 'kill', target: 'node-1' }));
    expect(again.status).toBe(409);
    expect(await again.json()).toMatchObject({ code: 'control/invalid', message: expect.stringContaining('restart it first'), statusCode: 409 });

    const restart = await postFault(JSON.stringify({ fault: 'restart', target: 'node-1' }));
    expect(restart.status).toBe(200);
    expect(await restart.json()).toMatchObject({ ok: true, message: expect.stringMatching(/^node-1 restarted \(pid \d+\)$/) });
    expect(cluster!.get('node-1').state).toBe('alive');
  }, 60_000);
});
