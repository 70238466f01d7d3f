import { createServer } from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';

/**
 * The baseline: a bare `ws` server doing what a game node's network does and
 * nothing else. Clients join a room by URL (`/?room=k`); every tick it sends
 * each room one `patchBytes` buffer (encoded once, sent to every member, as
 * Colyseus broadcasts a patch) and answers pings. It measures its own tick
 * lateness as a game node does (how much later than one period after the
 * previous tick the timer ran): `GET /lateness` answers the samples (ms) since
 * the last such request. argv: tickRate patchBytes
 * Prints `{"port": n}` once listening.
 */
const tickRate = Number(process.argv[2] ?? 20);
const patchBytes = Number(process.argv[3] ?? 120);
const periodMs = 1000 / tickRate;
const rooms = new Map<string, Set<WebSocket>>();
let lateness: number[] = [];
const http = createServer((req, res) => {
  if (req.url !== '/lateness') return void res.writeHead(404).end();
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(lateness));
  lateness = [];
});
const wss = new WebSocketServer({ server: http, perMessageDeflate: false });
wss.on('connection', (ws, req) => {
  const room = new URL(req.url ?? '/', 'http://x').searchParams.get('room') ?? '0';
  const members = rooms.get(room) ?? new Set<WebSocket>();
  rooms.set(room, members);
  members.add(ws);
  ws.on('message', (data: Buffer) => {
    // [1] = ping: echo it back; anything else is an input and is only read.
    if (data[0] === 1) ws.send(data);
  });
  ws.on('close', () => members.delete(ws));
});
const payload = Buffer.alloc(patchBytes, 7);
let lastTickAt = 0;
setInterval(() => {
  const now = performance.now();
  if (lastTickAt > 0) lateness.push(Math.max(0, now - lastTickAt - periodMs));
  lastTickAt = now;
  for (const members of rooms.values()) {
    // A fresh copy per room per tick, as a room encodes its own patch.
    const patch = Buffer.from(payload);
    for (const ws of members) ws.send(patch);
  }
}, periodMs);
http.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ port: (http.address() as { port: number }).port })));
process.on('SIGTERM', () => process.exit(0));
