import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { WebSocket, WebSocketServer } from 'ws';
import type { IngressRoutes } from '../../server/supervisor/ingress';
import { summarize, type Summary } from '../../shared/stats';

export interface IngressBenchResult {
  messages: number;
  bytes: number;
  /** Round trips straight to the echo "node", and through the ingress's /node-1/ route (ms). */
  direct: Summary;
  through: Summary;
  addedRoundTripP50Ms: number;
  /** Steady game-like load through the ingress: sockets × rate, and the ingress's CPU for it. */
  load: { sockets: number; hz: number; seconds: number; messagesPerSecond: number; cpuCores: number; cpuUsPerMessage: number };
}

const ENTRY = fileURLToPath(new URL('./ingress-process.ts', import.meta.url));

/**
 * What the embedded ingress costs game traffic: WebSocket round trips of a
 * game-sized message (~120 bytes) to an echo server, straight and through the
 * ingress's `/<node-id>/` route, interleaved so both see the same machine load;
 * then the ingress's own CPU (it runs alone in a child process) under `sockets`
 * players each sending and receiving at the tick rate.
 */
export async function benchIngress(options: { messages?: number; bytes?: number; sockets?: number; hz?: number; seconds?: number; log?: (line: string) => void } = {}): Promise<IngressBenchResult> {
  const { messages = 4000, bytes = 120, sockets = 500, hz = 20, seconds = 5 } = options;
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
  wss.on('connection', (ws) => ws.on('message', (data, binary) => ws.send(data, { binary })));
  await once(wss, 'listening');
  const port = (wss.address() as AddressInfo).port;
  const routes: IngressRoutes = { apis: [], nodes: [{ id: 'node-1', target: { host: '127.0.0.1', port } }], web: null };
  const child: ChildProcess = fork(ENTRY, [JSON.stringify(routes)], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const reply = <T>(type: string): Promise<T> => new Promise((resolve) => {
    const on = (m: { type?: string } & T) => {
      if (m?.type !== type) return;
      child.off('message', on);
      resolve(m);
    };
    child.on('message', on);
  });
  const cpu = async () => {
    const r = reply<{ usage: NodeJS.CpuUsage }>('cpu');
    child.send({ type: 'cpu' });
    const { usage } = await r;
    return (usage.user + usage.system) / 1000; // ms
  };
  const open: WebSocket[] = [];
  try {
    const { port: ingressPort } = await reply<{ port: number }>('ready');
    const connect = async (url: string) => {
      const ws = new WebSocket(url, { perMessageDeflate: false });
      open.push(ws);
      await once(ws, 'open');
      return ws;
    };
    const direct = await connect(`ws://127.0.0.1:${port}/proc/room`);
    const through = await connect(`ws://127.0.0.1:${ingressPort}/node-1/proc/room`);
    const payload = Buffer.alloc(bytes, 7);
    const rtt = async (ws: WebSocket): Promise<number> => {
      const t0 = performance.now();
      const echoed = once(ws, 'message');
      ws.send(payload);
      await echoed;
      return performance.now() - t0;
    };
    const samples = { direct: [] as number[], through: [] as number[] };
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
    const d = summarize(samples.direct.slice(200)); // the first round trips warm the JIT up
    const t = summarize(samples.through.slice(200));
    options.log?.(`ingress: round trip p50 ${d.p50.toFixed(3)} ms direct, ${t.p50.toFixed(3)} ms through the ingress (p99 ${d.p99.toFixed(3)} / ${t.p99.toFixed(3)})`);

    const players = await Promise.all(Array.from({ length: sockets }, () => connect(`ws://127.0.0.1:${ingressPort}/node-1/proc/room`)));
    let echoed = 0;
    for (const ws of players) ws.on('message', () => echoed++);
    const cpu0 = await cpu();
    const t0 = performance.now();
    const timer = setInterval(() => {
      for (const ws of players) ws.send(payload);
    }, 1000 / hz);
    await new Promise((r) => setTimeout(r, seconds * 1000));
    clearInterval(timer);
    const elapsed = (performance.now() - t0) / 1000;
    const cpuMs = (await cpu()) - cpu0;
    // Each echoed message crossed the ingress twice (in and out).
    const perSecond = echoed / elapsed;
    const load = { sockets, hz, seconds, messagesPerSecond: perSecond, cpuCores: cpuMs / 1000 / elapsed, cpuUsPerMessage: (cpuMs * 1000) / Math.max(1, echoed) };
    options.log?.(`ingress: ${sockets} sockets at ${hz} Hz (${perSecond.toFixed(0)} round trips/s): ${(load.cpuCores * 100).toFixed(1)}% of a core, ${load.cpuUsPerMessage.toFixed(1)} µs per round trip`);
    return { messages, bytes, direct: d, through: t, addedRoundTripP50Ms: t.p50 - d.p50, load };
  } finally {
    for (const ws of open) ws.terminate();
    child.disconnect();
    await once(child, 'exit');
    await new Promise<void>((r) => wss.close(() => r()));
  }
}

// `npx tsx bench/ingress/bench.ts` runs it alone.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const r = await benchIngress({ log: (l) => console.log(l) });
  console.log(JSON.stringify({ addedRoundTripP50Ms: r.addedRoundTripP50Ms, load: r.load }));
}
