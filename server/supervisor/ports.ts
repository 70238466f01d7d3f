import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** Where the kernel starts handing out ports to outgoing connections (Linux's ip_local_port_range). */
function ephemeralStart(): number {
  try {
    return Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]) || 32768;
  } catch {
    return 32768;
  }
}

/** Ports freePort picks from: below the ephemeral range, so no outgoing connection takes one meanwhile. */
const RANGE = { low: 20_000, high: ephemeralStart() };
/** Handed out by this process already: two callers never get the same port. */
const given = new Set<number>();

function bind(port: number): Promise<number | null> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', () => resolve(null));
    srv.listen(port, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => resolve(addr && typeof addr === 'object' ? addr.port : null));
    });
  });
}

/**
 * A port that was free a moment ago. Colyseus needs its public address before
 * it listens, so servers that cannot bind port 0 take one from here. It comes
 * from below the kernel's ephemeral range: a port the kernel picked for port 0
 * lies in that range, where any outgoing connection (a Redis client, the
 * browser) may take it before the server binds it (EADDRINUSE, seen in CI).
 */
export async function freePort(): Promise<number> {
  if (RANGE.high - RANGE.low >= 1000) {
    for (let attempt = 0; attempt < 50; attempt++) {
      const port = RANGE.low + Math.floor(Math.random() * (RANGE.high - RANGE.low));
      if (given.has(port)) continue;
      if ((await bind(port)) !== null) {
        given.add(port);
        return port;
      }
    }
  }
  const port = await bind(0);
  if (port === null) throw new Error('no free port');
  return port;
}
