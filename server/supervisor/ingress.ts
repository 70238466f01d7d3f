import { createServer, Agent, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Readable } from 'node:stream';
import { createProxyServer } from 'http-proxy-3';
import { ErrorCodes, type ErrorCode } from '../../shared/errors';
import { ApiPool, type PoolMember } from './ingress-pool';
import type { Endpoint } from './topology';

export interface IngressRoutes {
  /** API instances behind `/api/*`, round robin among the healthy ones. */
  apis: { id: string; target: Endpoint }[];
  /** Game nodes behind `/<id>/*` (HTTP and WebSocket): the address each one's players path leads to. */
  nodes: { id: string; target: Endpoint }[];
  /** Everything else (the page, Vite's HMR socket); null = 404. */
  web: Endpoint | null;
}

/** GET /ingress/pool: the balancer's own view, for the cluster map. */
export interface IngressView {
  apis: PoolMember[];
  nodes: { id: string; route: string; target: string }[];
  checkIntervalMs: number;
}

/** Larger than any API body (the API's own limit is far below): the ingress holds it to retry elsewhere. */
const MAX_API_BODY = 256 * 1024;
/** Errors that mean "nothing reached the instance": safe to send the request to another one. */
const NOT_SENT = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'ECONNRESET']);

/**
 * The one public entry point of `npm start` (the deployments use HAProxy, see
 * haproxy.ts, configured from the same topology):
 *   /api/*        → an API instance, round robin over the healthy ones, `/api` stripped;
 *   /<node-id>/*  → that game node, prefix stripped, HTTP and WebSocket. Sticky by
 *                   construction: the seat names the node's route. A dead node's route
 *                   has nowhere to go and says so (502), it never hangs;
 *   /ingress/pool → the balancer's view of its pool;
 *   anything else → the page (Vite).
 * Built on http-proxy-3; the fault points sit behind it, between the ingress and each node.
 */
export class Ingress {
  readonly pool: ApiPool;
  readonly #server: Server;
  readonly #proxy = createProxyServer({ xfwd: true, ws: true });
  readonly #nodes: Map<string, Endpoint>;
  // Keep-alive to the API instances: a new TCP connection per request costs more than the request.
  readonly #agent = new Agent({ keepAlive: true, maxSockets: 256 });
  readonly #sockets = new Set<Socket>();

  private constructor(readonly routes: IngressRoutes, pool: ApiPool) {
    this.pool = pool;
    this.#nodes = new Map(routes.nodes.map((n) => [n.id, n.target]));
    this.#server = createServer((req, res) => this.#request(req, res));
    this.#server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => this.#upgrade(req, socket, head));
    this.#server.on('connection', (socket) => {
      this.#sockets.add(socket);
      socket.once('close', () => this.#sockets.delete(socket));
    });
    // Errors without a callback (a client that vanished mid-response): nothing to answer.
    this.#proxy.on('error', () => {});
  }

  /** Health-checks the API instances once, then listens on `listen` (port 0: any free port). */
  static async start(routes: IngressRoutes, listen: Endpoint, pool = new ApiPool(routes.apis)): Promise<Ingress> {
    const ingress = new Ingress(routes, pool);
    await pool.start();
    await new Promise<void>((resolve, reject) => {
      ingress.#server.once('error', reject);
      ingress.#server.listen(listen.port, listen.host, () => resolve());
    });
    return ingress;
  }

  get port(): number {
    return (this.#server.address() as AddressInfo).port;
  }

  view(): IngressView {
    return {
      apis: this.pool.view(),
      nodes: [...this.#nodes].map(([id, t]) => ({ id, route: `/${id}`, target: `${t.host}:${t.port}` })),
      checkIntervalMs: this.pool.intervalMs,
    };
  }

  async close(): Promise<void> {
    this.pool.stop();
    for (const s of this.#sockets) s.destroy();
    this.#agent.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #request(req: IncomingMessage, res: ServerResponse): void {
    const { head, rest } = split(req.url ?? '/');
    if (head === 'api') return void this.#api(req, res, rest);
    if (head === 'ingress' && rest.split('?')[0] === '/pool' && req.method === 'GET') return json(res, 200, this.view());
    const node = this.#nodes.get(head);
    if (node) {
      req.url = rest;
      this.#proxy.web(req, res, { target: `http://${node.host}:${node.port}` }, (err) => unreachableNode(res, head, err));
      return;
    }
    if (!this.routes.web) return error(res, 404, ErrorCodes.routeNotFound, `No route ${req.url}: /api/*, /<node-id>/* or /ingress/pool.`);
    this.#proxy.web(req, res, { target: `http://${this.routes.web.host}:${this.routes.web.port}` }, () =>
      error(res, 502, ErrorCodes.internal, 'The page server does not answer.'));
  }

  /** Reads the (small) body first, so a request an instance refused can go to the next one. */
  async #api(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of req as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > MAX_API_BODY) return error(res, 413, ErrorCodes.requestTooLarge, `Request body is larger than ${MAX_API_BODY} bytes.`);
        chunks.push(chunk);
      }
    } catch {
      return; // the client went away
    }
    const body = Buffer.concat(chunks);
    req.url = path || '/';
    const tried = new Set<string>();
    const attempt = (): void => {
      const member = this.pool.pick(tried);
      if (!member) {
        res.setHeader('retry-after', '1');
        return error(res, 503, ErrorCodes.apiUnreachable, `No API instance is in the ingress's pool${tried.size ? ` (${[...tried].join(', ')} refused the request)` : ''}: every one is dead, draining or still starting.`);
      }
      tried.add(member.id);
      this.#proxy.web(req, res, { target: `http://${member.target}`, agent: this.#agent, buffer: Readable.from([body]) }, (err: NodeJS.ErrnoException) => {
        if (res.headersSent || res.destroyed) return void res.destroy();
        if (err.code && NOT_SENT.has(err.code)) {
          this.pool.refused(member.id, `a request was refused: ${err.code}`);
          return attempt();
        }
        error(res, 502, ErrorCodes.apiUnreachable, `${member.id} failed mid-request (${err.code ?? err.message}).`);
      });
    };
    attempt();
  }

  #upgrade(req: IncomingMessage, socket: Socket, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    const { head: first, rest } = split(req.url ?? '/');
    const node = this.#nodes.get(first);
    if (node) {
      req.url = rest;
      this.#proxy.ws(req, socket, head, { target: `ws://${node.host}:${node.port}` }, (err: NodeJS.ErrnoException) => refuseUpgrade(socket, first, err));
      return;
    }
    if (this.routes.web && first !== 'api') {
      this.#proxy.ws(req, socket, head, { target: `ws://${this.routes.web.host}:${this.routes.web.port}` }, () => socket.destroy());
      return;
    }
    refuseUpgrade(socket, first, null);
  }
}

/** '/node-2/abc/def?x' → { head: 'node-2', rest: '/abc/def?x' }. */
function split(url: string): { head: string; rest: string } {
  const m = /^\/([^/?]*)(.*)$/.exec(url);
  if (!m) return { head: '', rest: url };
  const rest = m[2] ?? '';
  return { head: m[1] ?? '', rest: rest.startsWith('/') ? rest : `/${rest}` };
}

function nodeGone(nodeId: string, err: NodeJS.ErrnoException | null): string {
  return err
    ? `${nodeId} does not answer (${err.code ?? err.message}): its route has nowhere to go. A stateful match held in its memory is lost; a checkpointed room is restored on a live node (POST /api/v1/rooms/:roomId/rejoin).`
    : `No game node is routed here: game traffic goes to /<node-id>/ as the seat names it.`;
}

function unreachableNode(res: ServerResponse, nodeId: string, err: NodeJS.ErrnoException): void {
  if (res.headersSent) return void res.destroy();
  error(res, 502, ErrorCodes.roomLost, nodeGone(nodeId, err));
}

/** A WebSocket upgrade that cannot be routed gets a plain HTTP answer with a reason, then the socket closes. */
function refuseUpgrade(socket: Socket, nodeId: string, err: NodeJS.ErrnoException | null): void {
  if (!socket.writable) return void socket.destroy();
  const status = err ? '502 Bad Gateway' : '404 Not Found';
  const body = JSON.stringify({ code: err ? ErrorCodes.roomLost : ErrorCodes.routeNotFound, message: nodeGone(nodeId, err), statusCode: err ? 502 : 404 });
  socket.end(`HTTP/1.1 ${status}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
}

function json(res: ServerResponse, status: number, payload: unknown): void {
  const body = JSON.stringify(payload);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' });
  res.end(body);
}

function error(res: ServerResponse, status: number, code: ErrorCode, message: string): void {
  json(res, status, { code, message, statusCode: status });
}
