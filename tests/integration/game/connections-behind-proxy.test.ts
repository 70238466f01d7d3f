import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { connectionsPerIp } from '../../../server/game/edge';

// The per-address socket limit behind the entry point: real sockets, a real ws server.
const servers: WebSocketServer[] = [];
const sockets: WebSocket[] = [];
afterEach(() => {
  for (const s of sockets.splice(0)) s.terminate();
  for (const s of servers.splice(0)) s.close();
});

async function server(trusted: string[]): Promise<number> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, verifyClient: connectionsPerIp(1, trusted)! });
  servers.push(wss);
  await once(wss, 'listening');
  return (wss.address() as AddressInfo).port;
}

/** Resolves with 101 when the socket opens, or the status it was refused with. */
function open(port: number, forwardedFor: string): Promise<number> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/`, { headers: { 'x-forwarded-for': forwardedFor } });
  sockets.push(ws);
  ws.on('error', () => {});
  return new Promise((resolve) => {
    ws.once('open', () => resolve(101));
    ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
  });
}

describe('WS_CONNECTIONS_PER_IP behind a trusted proxy', () => {
  it('counts each forwarded player, not the proxy', async () => {
    const port = await server(['127.0.0.1']);
    expect(await open(port, '198.51.100.1')).toBe(101);
    expect(await open(port, 'spoofed, 198.51.100.2')).toBe(101); // the proxy's own entry is the last one
    expect(await open(port, '198.51.100.1')).toBe(429);
  });

  it('ignores X-Forwarded-For from anyone else', async () => {
    const port = await server([]);
    expect(await open(port, '198.51.100.1')).toBe(101);
    expect(await open(port, '198.51.100.2')).toBe(429);
  });
});
