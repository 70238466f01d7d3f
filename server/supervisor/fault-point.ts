import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';

/**
 * What a fault point does to the bytes crossing it:
 * - `pass`: forwards them (piped, no copy in our code);
 * - `blackhole`: forwards nothing, either way, and keeps every connection
 *   open, as a real partition does (TCP does not notice: no reset, no close);
 *   bytes already sent are held, not dropped, and flow on heal, as TCP's
 *   retransmissions would deliver them. New connections are accepted and
 *   held too;
 * - `latency`: forwards them `latencyMs` late, each way, in order.
 */
export type FaultMode = { kind: 'pass' } | { kind: 'blackhole' } | { kind: 'latency'; latencyMs: number };

interface Link {
  client: Socket;
  upstream: Socket | null;
  /** Bytes held for the other side while the link does not pipe (blackhole, or upstream not yet connected). */
  pending: { toUpstream: Buffer[]; toClient: Buffer[] };
  /** Chunks scheduled by latency mode and not yet written: a switch waits for them, to keep the order. */
  delayed: number;
}

/**
 * A TCP fault point between one process and one destination (a game node →
 * Redis, players → a game node): a proxy whose behaviour can be switched at
 * any time, with no root and on any OS. Switching applies to open connections
 * at once. The supervisor puts one on every path it owns (see cluster.ts).
 */
export class FaultPoint {
  #mode: FaultMode = { kind: 'pass' };
  readonly #links = new Set<Link>();
  readonly #server: Server;

  private constructor(readonly name: string, readonly target: { host: string; port: number }, server: Server) {
    this.#server = server;
  }

  /** Listens on `listen.host:port` (port 0: any free port) and forwards to `target`. */
  static async open(name: string, target: { host: string; port: number }, listen: { host: string; port: number }): Promise<FaultPoint> {
    const server = createServer({ noDelay: true });
    const point = new FaultPoint(name, target, server);
    server.on('connection', (client) => point.#accept(client));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(listen.port, listen.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    return point;
  }

  get port(): number {
    return (this.#server.address() as AddressInfo).port;
  }

  /** The address it listens on. */
  get host(): string {
    return (this.#server.address() as AddressInfo).address;
  }

  get mode(): FaultMode {
    return this.#mode;
  }

  get connections(): number {
    return this.#links.size;
  }

  /** Switches what the point does, for open connections and new ones alike. */
  set(mode: FaultMode): void {
    this.#mode = mode;
    for (const link of this.#links) this.#apply(link);
  }

  async close(): Promise<void> {
    for (const link of this.#links) {
      link.client.destroy();
      link.upstream?.destroy();
    }
    this.#links.clear();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #accept(client: Socket): void {
    const link: Link = { client, upstream: null, pending: { toUpstream: [], toClient: [] }, delayed: 0 };
    this.#links.add(link);
    const drop = () => {
      if (!this.#links.delete(link)) return;
      client.destroy();
      link.upstream?.destroy();
    };
    client.on('error', drop).on('close', drop);
    const upstream = connect({ host: this.target.host, port: this.target.port, noDelay: true });
    upstream.on('error', drop).on('close', drop);
    client.on('data', (chunk: Buffer) => this.#forward(link, 'toUpstream', chunk));
    upstream.on('data', (chunk: Buffer) => this.#forward(link, 'toClient', chunk));
    upstream.once('connect', () => {
      link.upstream = upstream;
      this.#apply(link);
    });
    this.#apply(link);
  }

  /** Pass mode pipes (our code sees no bytes); the other modes read and decide per chunk. */
  #apply(link: Link): void {
    const { client, upstream } = link;
    if (link.delayed > 0 && this.#mode.kind !== 'latency') return; // re-applied once the late chunks are out
    client.unpipe();
    upstream?.unpipe();
    if (this.#mode.kind === 'blackhole') {
      client.pause();
      upstream?.pause();
      return;
    }
    if (!upstream) {
      client.pause(); // hold what the client sends until the destination answers
      return;
    }
    this.#flush(link);
    if (this.#mode.kind === 'pass') {
      client.removeAllListeners('data');
      upstream.removeAllListeners('data');
      client.pipe(upstream);
      upstream.pipe(client);
      return;
    }
    if (client.listenerCount('data') === 0) client.on('data', (chunk: Buffer) => this.#forward(link, 'toUpstream', chunk));
    if (upstream.listenerCount('data') === 0) upstream.on('data', (chunk: Buffer) => this.#forward(link, 'toClient', chunk));
    client.resume();
    upstream.resume();
  }

  #forward(link: Link, way: 'toUpstream' | 'toClient', chunk: Buffer): void {
    const mode = this.#mode;
    const to = way === 'toUpstream' ? link.upstream : link.client;
    if (mode.kind === 'blackhole' || !to || (mode.kind === 'pass' && link.delayed > 0)) {
      link.pending[way].push(chunk);
      return;
    }
    if (mode.kind === 'latency') {
      link.delayed++;
      setTimeout(() => {
        link.delayed--;
        if (!to.destroyed) to.write(chunk);
        if (link.delayed === 0 && this.#mode.kind !== 'latency' && this.#links.has(link)) this.#apply(link);
      }, mode.latencyMs).unref();
      return;
    }
    to.write(chunk);
  }

  /** Bytes held while the link did not flow, delivered in order. */
  #flush(link: Link): void {
    const { client, upstream } = link;
    for (const chunk of link.pending.toUpstream.splice(0)) upstream!.write(chunk);
    for (const chunk of link.pending.toClient.splice(0)) client.write(chunk);
  }
}
