import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';
import type { VerifyClientCallbackAsync } from 'ws';
import { ErrorCodes, type ErrorCode } from '../../shared/errors';
import { bearerMatches } from '../common/tokens';

/** What a game node's HTTP port answers besides WebSocket upgrades. */
export interface EdgeOptions {
  /** The Prometheus text and its content type. */
  metrics(): Promise<{ body: string; contentType: string }>;
  /** Bearer token GET /metrics requires; absent = open. */
  metricsToken?: string;
  /** What GET /health/ready reports (absent: ready whenever the process answers). */
  health?: () => NodeHealth;
}

/** A game node's readiness, for probes (Kubernetes, the compose file, HAProxy). */
export interface NodeHealth {
  /** Takes new players: not draining, and its store lease is held (it can save checkpointed rooms). */
  ready: boolean;
  draining: boolean;
  store: 'up' | 'down' | 'none';
}

/** Probe paths: the same as the API's, so one probe definition fits both. */
export const HEALTH_PATHS = { live: '/health/live', ready: '/health/ready' } as const;

/** How long a client refused for too many connections should wait before trying again. */
export const CONNECTIONS_RETRY_AFTER_S = 5;

function send(res: ServerResponse, status: number, code: ErrorCode, message: string): void {
  const body = JSON.stringify({ code, message, statusCode: status });
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' });
  res.end(body);
}

/**
 * Makes `GET /metrics` and the health probes the only things a game node's HTTP port serves.
 * `/health/live` answers 200 while the event loop runs (never depends on the store: a store
 * outage must not get every node restarted); `/health/ready` is 503 while the node drains or its
 * store lease has lapsed, so a load balancer sends new players elsewhere. Both need no token.
 * Colyseus mounts its own matchmaking routes (`POST /matchmake/:method/:room`)
 * on the same server, with CORS that reflects any origin: they would seat a
 * player, or create a room, without the API's rate limits. Every seat must
 * come through the API (which reaches the nodes over Redis, not HTTP), so the
 * server's request listeners, Colyseus's router included, are replaced by one
 * that answers /metrics and 404s the rest.
 *
 * Call it right after `Server.listen()` resolves: Colyseus binds its routes in
 * the listen callback, and the continuation runs before the first request can
 * be read (microtasks drain before the event loop polls sockets).
 */
export function lockDownHttp(server: HttpServer, options: EdgeOptions): void {
  server.removeAllListeners('request');
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && (path === HEALTH_PATHS.live || path === HEALTH_PATHS.ready)) {
      const health = options.health?.() ?? { ready: true, draining: false, store: 'none' as const };
      const ok = path === HEALTH_PATHS.live || health.ready;
      const body = JSON.stringify({ ok, ...health });
      res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' });
      res.end(body);
      return;
    }
    if (req.method !== 'GET' || path !== '/metrics') {
      send(res, 404, ErrorCodes.routeNotFound, `No route ${req.method} ${path}: seats come from the API (POST /v1/matchmake).`);
      return;
    }
    if (options.metricsToken && !bearerMatches(req.headers.authorization, options.metricsToken)) {
      send(res, 401, req.headers.authorization ? ErrorCodes.authInvalid : ErrorCodes.authRequired, 'GET /metrics needs Authorization: Bearer <METRICS_TOKEN>.');
      return;
    }
    options.metrics().then(({ body, contentType }) => {
      res.writeHead(200, { 'content-type': contentType });
      res.end(body);
    }, () => send(res, 500, ErrorCodes.internal, 'Internal error.'));
  });
}

/**
 * A `ws` verifyClient that holds each client IP to `max` concurrent sockets
 * (0 = no limit): over the limit, the upgrade is answered 429 with
 * `Retry-After` and a `rate/connections-limited` body, before any handshake or
 * room work. A socket is counted from the upgrade until it closes, however it
 * closes. The map holds only IPs with open sockets. Behind the entry point every
 * socket comes from it: from an address in `trustedProxies` the client is the
 * last X-Forwarded-For entry (the one that proxy added).
 */
export function connectionsPerIp(max: number, trustedProxies: readonly string[] = []): VerifyClientCallbackAsync | undefined {
  if (max <= 0) return undefined;
  const open = new Map<string, number>();
  const count = (ip: string): number => open.get(ip) ?? 0;
  const trusted = new Set(trustedProxies.map(plainAddress));
  return ({ req }, done) => {
    const ip = clientAddress(req, trusted);
    if (count(ip) >= max) {
      const body = JSON.stringify({ code: ErrorCodes.rateConnectionsLimited, message: `At most ${max} connections per address to this node.`, statusCode: 429 });
      done(false, 429, body, { 'Retry-After': String(CONNECTIONS_RETRY_AFTER_S), 'Content-Type': 'application/json' });
      return;
    }
    open.set(ip, count(ip) + 1);
    req.socket.once('close', () => {
      const left = count(ip) - 1;
      if (left > 0) open.set(ip, left);
      else open.delete(ip);
    });
    done(true);
  };
}

/** `::ffff:10.0.0.1` → `10.0.0.1`: Node reports IPv4 peers on dual-stack sockets in the mapped form. */
function plainAddress(ip: string): string {
  return ip.startsWith('::ffff:') ? ip.slice(7) : ip;
}

function clientAddress(req: IncomingMessage, trusted: ReadonlySet<string>): string {
  const peer = plainAddress(req.socket.remoteAddress ?? 'unknown');
  const forwarded = req.headers['x-forwarded-for'];
  if (!trusted.has(peer) || !forwarded) return peer;
  const last = (Array.isArray(forwarded) ? forwarded.join(',') : forwarded).split(',').pop()?.trim();
  return last ? plainAddress(last) : peer;
}
