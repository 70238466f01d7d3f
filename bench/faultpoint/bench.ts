import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { FaultPoint } from '../../server/supervisor/fault-point';
import { summarize, type Summary } from '../../shared/stats';

export interface FaultPointBenchResult {
  messages: number;
  bytes: number;
  /** Round trips straight to the echo server, and through one fault point in pass mode (ms). */
  direct: Summary;
  through: Summary;
  /** p50 added per round trip (the message crosses the fault point twice: there and back). */
  addedRoundTripP50Ms: number;
}

/**
 * The latency a fault point (pass mode, as in every `npm start`) adds to game
 * traffic: WebSocket round trips of a game-sized message (~120 bytes, a state
 * patch) to an echo server, straight and through a fault point, interleaved so
 * both see the same machine load.
 */
export async function benchFaultPoint(options: { messages?: number; bytes?: number; log?: (line: string) => void } = {}): Promise<FaultPointBenchResult> {
  const { messages = 4000, bytes = 120 } = options;
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
  wss.on('connection', (ws) => ws.on('message', (data, binary) => ws.send(data, { binary })));
  await once(wss, 'listening');
  const port = (wss.address() as AddressInfo).port;
  const point = await FaultPoint.open('bench', { host: '127.0.0.1', port }, { host: '127.0.0.1', port: 0 });
  const open = async (p: number) => {
    const ws = new WebSocket(`ws://127.0.0.1:${p}`, { perMessageDeflate: false });
    await once(ws, 'open');
    return ws;
  };
  const [direct, through] = await Promise.all([open(port), open(point.port)]);
  const payload = Buffer.alloc(bytes, 7);
  const rtt = async (ws: WebSocket): Promise<number> => {
    const t0 = performance.now();
    const echoed = once(ws, 'message');
    ws.send(payload);
    await echoed;
    return performance.now() - t0;
  };
  const samples = { direct: [] as number[], through: [] as number[] };
  try {
    for (let i = 0; i < messages; i++) {
      // Alternate which goes first, so neither always runs on a warmer event loop.
      if (i % 2 === 0) {
        samples.direct.push(await rtt(direct));
        samples.through.push(await rtt(through));
      } else {
        samples.through.push(await rtt(through));
        samples.direct.push(await rtt(direct));
      }
    }
  } finally {
    direct.close();
    through.close();
    await point.close();
    await new Promise<void>((r) => wss.close(() => r()));
  }
  const d = summarize(samples.direct.slice(200)); // the first round trips warm the JIT up
  const t = summarize(samples.through.slice(200));
  options.log?.(`fault point: round trip p50 ${d.p50.toFixed(3)} ms direct, ${t.p50.toFixed(3)} ms through one fault point`);
  return { messages, bytes, direct: d, through: t, addedRoundTripP50Ms: t.p50 - d.p50 };
}
