/**
 * Who runs where: one description of a Statecraft cluster, used by everything
 * that starts or routes to its processes — the local supervisor (which spawns
 * them), the HAProxy generator (haproxy.ts), the host test (tests/hosts, one
 * network namespace per process) and the deployment files. A process learns
 * its part only from environment variables ({@link nodeEnv}, {@link apiEnv}):
 * the same ones a person sets when starting it by hand on its own host.
 *
 * Addresses are what the others use to reach a process; none is assumed to
 * be loopback or on the same host.
 */

/** A `host:port` pair. `host` is an IP address or a name the reader can resolve. */
export interface Endpoint {
  host: string;
  port: number;
}

/** One game node (a Colyseus process hosting rooms). */
export interface GameNodeSpec {
  /** NODE_ID; also its route on the ingress: `/<id>/…`. */
  id: string;
  /** Interface it listens on (BIND_HOST) and its port (GAME_PORT). */
  bind: Endpoint;
  /** Where the ingress reaches it (its host's address; the bind address unless that is 0.0.0.0). */
  reach: Endpoint;
}

/** One stateless API instance. */
export interface ApiSpec {
  /** API_ID; answers in the `x-statecraft-instance` header. */
  id: string;
  /** BIND_HOST and API_PORT. */
  bind: Endpoint;
  /** Where the ingress (and its health checks) reach it. */
  reach: Endpoint;
}

/** The one public entry point: `/api/*` round robin, `/<node-id>/*` to that node, the rest to the page. */
export interface IngressSpec {
  /** Where it listens. */
  bind: Endpoint;
  /** `host[:port]` browsers and bots use for it: the origin of the page and of every seat's `publicAddress`. */
  publicHost: string;
  /** Where the page is served from (a Vite dev server or a static file server); null = the ingress serves no page. */
  web: Endpoint | null;
}

export interface Topology {
  /** REDIS_URL every game node and API instance uses (as reachable from their hosts). */
  storeUrl: string;
  nodes: GameNodeSpec[];
  apis: ApiSpec[];
  ingress: IngressSpec;
}

/** The path prefix of a game node on the ingress (Colyseus's per-process `publicAddress` carries it). */
export function nodeRoute(nodeId: string): string {
  return `/${nodeId}`;
}

/** What a node advertises in its seats: the ingress's public host plus the node's route, no scheme. */
export function publicAddressOf(topology: Pick<Topology, 'ingress'>, nodeId: string): string {
  return `${topology.ingress.publicHost}${nodeRoute(nodeId)}`;
}

/** The base URL of the API through the ingress, as the browser's and the bots' client use it. */
export function publicApiUrl(topology: Pick<Topology, 'ingress'>, scheme: 'http' | 'https' = 'http'): string {
  return `${scheme}://${topology.ingress.publicHost}/api`;
}

/**
 * The environment that makes a process game node `node.id`: these variables
 * and the shared secrets (JWT_SECRET, METRICS_TOKEN) are all it needs.
 */
export function nodeEnv(topology: Topology, node: GameNodeSpec): Record<string, string> {
  return {
    NODE_ID: node.id,
    BIND_HOST: node.bind.host,
    GAME_PORT: String(node.bind.port),
    PUBLIC_ADDRESS: publicAddressOf(topology, node.id),
    REDIS_URL: topology.storeUrl,
    // Players' sockets come through the ingress: its X-Forwarded-For names the player (per-IP limit).
    ...(isWildcard(topology.ingress.bind.host) ? {} : { TRUST_PROXY: topology.ingress.bind.host }),
  };
}

/** The environment that makes a process API instance `api.id`. */
export function apiEnv(topology: Topology, api: ApiSpec): Record<string, string> {
  return {
    API_ID: api.id,
    BIND_HOST: api.bind.host,
    API_PORT: String(api.bind.port),
    // The API's own matchmaker names itself with this; it hosts no rooms, so nobody connects to it.
    PUBLIC_HOST: api.reach.host,
    REDIS_URL: topology.storeUrl,
    // Requests come through the ingress: its X-Forwarded-For names the player (per-IP limits).
    ...(isWildcard(topology.ingress.bind.host) ? {} : { TRUST_PROXY: topology.ingress.bind.host }),
  };
}

function isWildcard(host: string): boolean {
  return host === '0.0.0.0' || host === '::';
}

/** Where another host reaches a process bound to `bind`: a wildcard bind is reached at `host`. */
export function reachable(bind: Endpoint, host: string): Endpoint {
  return { host: isWildcard(bind.host) ? host : bind.host, port: bind.port };
}

/**
 * A topology for processes on one host (npm start, the integration tests):
 * node N on `gamePorts[N-1]`, API instance N on `apiPorts[N-1]`, all bound to `bindHost`.
 */
export function singleHost(options: {
  storeUrl: string;
  bindHost: string;
  gamePorts: number[];
  apiPorts: number[];
  ingress: IngressSpec;
}): Topology {
  const host = options.bindHost === '0.0.0.0' ? '127.0.0.1' : options.bindHost;
  const at = (port: number) => ({ bind: { host: options.bindHost, port }, reach: reachable({ host: options.bindHost, port }, host) });
  return {
    storeUrl: options.storeUrl,
    nodes: options.gamePorts.map((port, i) => ({ id: `node-${i + 1}`, ...at(port) })),
    apis: options.apiPorts.map((port, i) => ({ id: `api-${i + 1}`, ...at(port) })),
    ingress: options.ingress,
  };
}

/**
 * The topology `npm start` would run with its fault points off, from the same settings
 * (GAME_NODES from GAME_PORT, API_PORTS, BIND_HOST, WEB_PORT, PUBLIC_HOST, REDIS_URL).
 */
export function fromSettings(config: {
  GAME_NODES: number; GAME_PORT: number; API_PORTS: string; BIND_HOST: string; WEB_PORT: number; PUBLIC_HOST: string; REDIS_URL: string;
}): Topology {
  return singleHost({
    storeUrl: config.REDIS_URL,
    bindHost: config.BIND_HOST,
    gamePorts: Array.from({ length: config.GAME_NODES }, (_, i) => config.GAME_PORT + i),
    apiPorts: config.API_PORTS.split(',').map(Number),
    ingress: { bind: { host: config.BIND_HOST, port: config.WEB_PORT }, publicHost: `${config.PUBLIC_HOST}:${config.WEB_PORT}`, web: null },
  });
}

/** Checks a topology read from a file (JSON of {@link Topology}); throws one readable error. */
export function parseTopology(raw: unknown): Topology {
  const bad = (why: string): never => {
    throw new Error(`Invalid topology: ${why}`);
  };
  const t = raw as Partial<Topology> | null;
  if (!t || typeof t !== 'object') bad('not an object');
  const endpoint = (e: unknown, where: string): Endpoint => {
    const x = e as Partial<Endpoint> | null;
    if (!x || typeof x.host !== 'string' || !x.host || !Number.isInteger(x.port) || x.port! < 0 || x.port! > 65535) bad(`${where} must be {host, port}`);
    return { host: x!.host!, port: x!.port! };
  };
  const ids = new Set<string>();
  const member = (m: unknown, where: string) => {
    const x = m as { id?: unknown; bind?: unknown; reach?: unknown } | null;
    if (!x || typeof x.id !== 'string' || !/^[a-z0-9-]{1,32}$/.test(x.id)) bad(`${where}.id must match [a-z0-9-]{1,32}`);
    if (ids.has(x!.id as string)) bad(`${where}.id ${String(x!.id)} is used twice`);
    ids.add(x!.id as string);
    const bind = endpoint(x!.bind, `${where}.bind`);
    return { id: x!.id as string, bind, reach: x!.reach === undefined ? bind : endpoint(x!.reach, `${where}.reach`) };
  };
  if (typeof t!.storeUrl !== 'string') bad('storeUrl must be a string');
  if (!Array.isArray(t!.nodes) || !Array.isArray(t!.apis)) bad('nodes and apis must be lists');
  const nodes = t!.nodes!.map((n, i) => member(n, `nodes[${i}]`));
  const apis = t!.apis!.map((a, i) => member(a, `apis[${i}]`));
  // A node's id is its first path segment on the ingress: these two are taken.
  if (ids.has('api') || ids.has('ingress')) bad('api and ingress are routes of the ingress, not ids');
  const ingress = t!.ingress as Partial<IngressSpec> | undefined;
  if (!ingress || typeof ingress.publicHost !== 'string') bad('ingress.publicHost must be a string');
  return {
    storeUrl: t!.storeUrl!,
    nodes,
    apis,
    ingress: { bind: endpoint(ingress!.bind, 'ingress.bind'), publicHost: ingress!.publicHost!, web: ingress!.web ? endpoint(ingress!.web, 'ingress.web') : null },
  };
}
