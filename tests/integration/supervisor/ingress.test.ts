import { createServer, type IncomingMessage, type Server } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo, Socket } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ingress } from '../../../server/supervisor/ingress';

// The embedded ingress in front of real servers on real sockets: two stand-ins for API instances
// (their /health/ready is switchable, like a store outage or a drain, and answers as the API's does)
// and a WebSocket server for a game node.
interface FakeApi {
  id: string;
  server: Server;
  port: number;
  ready: boolean;
  draining: boolean;
  sockets: Set<Socket>;
  paths: string[];
}

async function fakeApi(id: string, port = 0): Promise<FakeApi> {
  const api: FakeApi = { id, server: null as unknown as Server, port, ready: true, draining: false, sockets: new Set(), paths: [] };
  api.server = createServer((req: IncomingMessage, res) => {
    res.setHeader('x-statecraft-instance', id);
    if (req.url === '/health/ready') {
      const health = api.draining ? { ok: false, instance: id, draining: true } : { ok: api.ready, instance: id, redis: api.ready ? 'up' : 'down' };
      return void res.writeHead(health.ok ? 200 : 503).end(JSON.stringify(health));
    }
    api.paths.push(`${req.method} ${req.url}`);
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id, body })));
  });
  api.server.on('connection', (s) => {
    api.sockets.add(s);
    s.once('close', () => api.sockets.delete(s));
  });
  api.server.listen(port, '127.0.0.1');
  await once(api.server, 'listening');
  api.port = (api.server.address() as AddressInfo).port;
  return api;
}

/** A crash, as the ingress sees it: the port refuses and open connections reset. */
async function kill(api: FakeApi): Promise<void> {
  for (const s of api.sockets) s.destroy();
  await new Promise<void>((resolve) => api.server.close(() => resolve()));
}

let a1: FakeApi;
let a2: FakeApi;
let game: WebSocketServer;
let gamePort = 0;
const gamePaths: string[] = [];
let deadPort = 0;
let ingress: Ingress;
let base = '';

beforeAll(async () => {
  [a1, a2] = await Promise.all([fakeApi('api-1'), fakeApi('api-2')]);
  game = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await once(game, 'listening');
  gamePort = (game.address() as AddressInfo).port;
  game.on('connection', (ws, req) => {
    gamePaths.push(req.url ?? '');
    ws.on('message', (m) => ws.send(m));
  });
  const dead = await fakeApi('nobody');
  deadPort = dead.port;
  await kill(dead);
  ingress = await Ingress.start({
    apis: [{ id: 'api-1', target: { host: '127.0.0.1', port: a1.port } }, { id: 'api-2', target: { host: '127.0.0.1', port: a2.port } }],
    nodes: [{ id: 'node-1', target: { host: '127.0.0.1', port: gamePort } }, { id: 'node-2', target: { host: '127.0.0.1', port: deadPort } }],
    web: null,
  }, { host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${ingress.port}`;
});

afterAll(async () => {
  await ingress?.close();
  game?.close();
  await Promise.allSettled([a1, a2].map((a) => new Promise((r) => a.server.close(r))));
});

async function instance(path = '/api/v1/cluster', init?: RequestInit): Promise<{ status: number; instance: string | null; body: Record<string, unknown> }> {
  const res = await fetch(`${base}${path}`, init);
  return { status: res.status, instance: res.headers.get('x-statecraft-instance'), body: (await res.json()) as Record<string, unknown> };
}

describe('the embedded ingress', () => {
  it('spreads /api over the ready instances in turn, strips /api and forwards bodies', async () => {
    const seen = await Promise.all([0, 1, 2, 3].map(() => instance()));
    expect(seen.map((s) => s.instance).sort()).toEqual(['api-1', 'api-1', 'api-2', 'api-2']);
    const post = await instance('/api/v1/auth/guest', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":"Ann"}' });
    expect(post.body.body).toBe('{"name":"Ann"}');
    expect([...a1.paths, ...a2.paths]).toContain('POST /v1/auth/guest');
    const view = (await instance('/ingress/pool')).body as { apis: { id: string; state: string }[] };
    expect(view.apis.map((m) => [m.id, m.state])).toEqual([['api-1', 'ready'], ['api-2', 'ready']]);
  });

  it('an instance that is not ready leaves the pool; when none is ready, those that answer still get the traffic', async () => {
    a2.ready = false;
    await ingress.pool.until('api-2', 'unready', 2000);
    const seen = await Promise.all([0, 1, 2, 3].map(() => instance()));
    expect(new Set(seen.map((s) => s.instance))).toEqual(new Set(['api-1']));
    // The pool says why, from the instance's own answer.
    expect(ingress.pool.view().find((m) => m.id === 'api-2')!.reason).toBe('it cannot reach the store (api-2)');
    a1.ready = false;
    await ingress.pool.until('api-1', 'unready', 2000);
    // A store outage: each instance answers its own 503 redis/unavailable, which clients know.
    expect((await instance()).status).toBe(200);
    a1.ready = true;
    a2.ready = true;
    await Promise.all([ingress.pool.until('api-1', 'ready', 2000), ingress.pool.until('api-2', 'ready', 2000)]);
    // A drain (SIGTERM): out of the pool at its next check, while it still answers.
    a2.draining = true;
    await ingress.pool.until('api-2', 'unready', 2000);
    expect(ingress.pool.view().find((m) => m.id === 'api-2')!.reason).toBe('draining: it closes in under a second (api-2)');
    expect(new Set((await Promise.all([0, 1, 2, 3].map(() => instance()))).map((s) => s.instance))).toEqual(new Set(['api-1']));
    a2.draining = false;
    await ingress.pool.until('api-2', 'ready', 2000);
  });

  it('a dead instance leaves the pool within 1 s, and no request fails meanwhile (a refused one goes to the other)', async () => {
    let failed = 0;
    let sent = 0;
    let stop = false;
    const load = (async () => {
      while (!stop) {
        sent++;
        if ((await instance().catch(() => ({ status: 0 }))).status !== 200) failed++;
      }
    })();
    const t0 = performance.now();
    await kill(a2);
    await ingress.pool.until('api-2', 'down', 1000);
    const outMs = performance.now() - t0;
    while (sent < 200) await new Promise((r) => setImmediate(r));
    stop = true;
    await load;
    console.log(`ingress: a dead API instance left the pool after ${outMs.toFixed(0)} ms; ${failed} of ${sent} requests failed`);
    expect(outMs).toBeLessThan(1000);
    expect(failed).toBe(0);

    await kill(a1);
    await ingress.pool.until('api-1', 'down', 1000);
    const none = await instance();
    expect(none).toMatchObject({ status: 503, body: { code: 'api/unreachable' } });
    // Back under the same port: in again at the next check.
    a1 = await fakeApi('api-1', a1.port);
    await ingress.pool.until('api-1', 'ready', 1000);
    expect((await instance()).instance).toBe('api-1');
  });

  it('routes /<node-id>/ to that node, WebSocket and all, prefix stripped; a dead node\'s route says so at once', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${ingress.port}/node-1/proc-1/room-1?x=1`);
    await once(ws, 'open');
    ws.send('ping');
    const [echo] = (await once(ws, 'message')) as [Buffer];
    expect(echo.toString()).toBe('ping');
    expect(gamePaths).toContain('/proc-1/room-1?x=1');
    ws.close();

    const t0 = performance.now();
    const refused = new WebSocket(`ws://127.0.0.1:${ingress.port}/node-2/proc-2/room-2`);
    refused.on('error', () => {}); // the refusal is what this checks
    const [, res] = (await once(refused, 'unexpected-response')) as [unknown, IncomingMessage];
    expect(res.statusCode).toBe(502);
    let body = '';
    for await (const chunk of res) body += String(chunk);
    expect(JSON.parse(body)).toMatchObject({ code: 'room/lost', message: expect.stringContaining('node-2 does not answer') });
    expect(performance.now() - t0).toBeLessThan(500);
    refused.terminate();
    expect(await instance('/node-2/metrics')).toMatchObject({ status: 502, body: { code: 'room/lost' } });
    expect(await instance('/nowhere')).toMatchObject({ status: 404, body: { code: 'route/not-found' } });
  });
});
