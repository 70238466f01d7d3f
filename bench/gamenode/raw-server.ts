import { WebSocketServer, type WebSocket } from 'ws';

/**
 * The baseline: a bare `ws` server doing what a game node's network does and
 * nothing else. Clients join a room by URL (`/?room=k`); every tick it sends
 * each room one `patchBytes` buffer (encoded once, sent to every member, as
 * Colyseus broadcasts a patch) and answers pings. argv: tickRate patchBytes
 * Prints `{"port": n}` once listening.
 */
const tickRate = Number(process.argv[2] ?? 20);
const patchBytes = Number(process.argv[3] ?? 120);
const rooms = new Map<string, Set<WebSocket>>();
const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
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
setInterval(() => {
  for (const members of rooms.values()) {
    // A fresh copy per room per tick, as a room encodes its own patch.
    const patch = Buffer.from(payload);
    for (const ws of members) ws.send(patch);
  }
}, 1000 / tickRate);
wss.on('listening', () => console.log(JSON.stringify({ port: (wss.address() as { port: number }).port })));
process.on('SIGTERM', () => process.exit(0));
