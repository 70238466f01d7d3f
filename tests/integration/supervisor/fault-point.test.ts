import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';
import { once } from 'node:events';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FaultPoint } from '../../../server/supervisor/fault-point';

// A real TCP echo server behind a real fault point, real client sockets.
let echo: Server;
let echoPort = 0;
const points: FaultPoint[] = [];
const sockets: Socket[] = [];

beforeAll(async () => {
  echo = createServer((s) => s.pipe(s));
  echo.listen(0, '127.0.0.1');
  await once(echo, 'listening');
  echoPort = (echo.address() as AddressInfo).port;
});

afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await Promise.all(points.splice(0).map((p) => p.close()));
});

afterAll(() => new Promise<void>((resolve) => echo.close(() => resolve())));

async function point(): Promise<FaultPoint> {
  const p = await FaultPoint.open('test', { host: '127.0.0.1', port: echoPort }, { host: '127.0.0.1', port: 0 });
  points.push(p);
  return p;
}

async function client(p: FaultPoint): Promise<Socket> {
  const s = connect({ host: '127.0.0.1', port: p.port });
  sockets.push(s);
  await once(s, 'connect');
  return s;
}

/** Resolves with everything received once `bytes` have arrived. */
function receive(s: Socket, bytes: number): Promise<string> {
  return new Promise((resolve) => {
    let got = '';
    const onData = (chunk: Buffer) => {
      got += chunk.toString();
      if (got.length < bytes) return;
      s.off('data', onData);
      resolve(got);
    };
    s.on('data', onData);
  });
}

describe('fault point', () => {
  it('passes bytes through both ways', async () => {
    const s = await client(await point());
    const echoed = receive(s, 5);
    s.write('hello');
    expect(await echoed).toBe('hello');
  });

  it('blackholes an open connection without closing it, and delivers the held bytes in order on heal', async () => {
    const p = await point();
    const s = await client(p);
    const first = receive(s, 2);
    s.write('ok');
    await first;

    p.set({ kind: 'blackhole' });
    let closed = false;
    s.on('close', () => {
      closed = true;
    });
    let during = '';
    const collect = (chunk: Buffer) => {
      during += chunk.toString();
    };
    s.on('data', collect);
    s.write('one');
    s.write('two');
    // Nothing flows while the hole lasts: 50 round trips complete on a passing path meanwhile.
    const control = await client(await point());
    for (let i = 0; i < 50; i++) {
      const echoed = receive(control, 1);
      control.write('.');
      await echoed;
    }
    expect(during).toBe('');
    expect(closed).toBe(false);
    expect(p.connections).toBe(1);
    s.off('data', collect);

    const healed = receive(s, 6);
    p.set({ kind: 'pass' });
    expect(await healed).toBe('onetwo');
  });

  it('holds new connections during a blackhole and lets them through on heal', async () => {
    const p = await point();
    p.set({ kind: 'blackhole' });
    const s = await client(p); // TCP's handshake completes with the point, as with a silent partition
    const echoed = receive(s, 4);
    s.write('late');
    p.set({ kind: 'pass' });
    expect(await echoed).toBe('late');
  });

  it('adds latency each way, in order', async () => {
    const p = await point();
    const s = await client(p);
    p.set({ kind: 'latency', latencyMs: 100 });
    const t0 = performance.now();
    const echoed = receive(s, 6);
    s.write('abc');
    s.write('def');
    expect(await echoed).toBe('abcdef');
    expect(performance.now() - t0).toBeGreaterThanOrEqual(195); // 100 ms there, 100 ms back
    // Back to pass while nothing is in flight: no reordering, no added delay.
    p.set({ kind: 'pass' });
    const again = receive(s, 3);
    s.write('xyz');
    expect(await again).toBe('xyz');
  });
});
