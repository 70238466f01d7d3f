import { z } from 'zod';
import { sentinelAddress } from './redis';

const port = z.coerce.number().int().min(0).max(65535);
const seconds = z.coerce.number().positive();
const perMinute = z.coerce.number().int().min(0);

/**
 * Every setting Statecraft reads from the environment, validated once at boot.
 * `.env.example` documents each one; nothing else reads `process.env`.
 */
const Env = z.object({
  /** Port of the web client (Vite). */
  WEB_PORT: port.default(8080),
  /** Host name browsers and bots use to reach the servers. */
  PUBLIC_HOST: z.string().min(1).default('localhost'),
  /** First game node's port; node N listens on GAME_PORT + N - 1. */
  GAME_PORT: port.default(2567),
  /**
   * `host[:port][/path]` (no scheme) clients use to reach this game node, as seat reservations name
   * it (Colyseus's `publicAddress`): behind the ingress `<ingress host:port>/<NODE_ID>`, e.g.
   * `localhost:8080/node-2`. Default `${PUBLIC_HOST}:${GAME_PORT}` (players connect straight to it).
   */
  PUBLIC_ADDRESS: z.string().regex(/^[^\s:/]+(:\d{1,5})?(\/[A-Za-z0-9._~-]+)*$/, 'host[:port][/path], no scheme').optional(),
  /**
   * `on`: the supervisor puts a TCP fault point on every path it owns (each process → Redis,
   * players → each game node), so network faults can be injected; `off` connects them directly
   * (benchmarks measure without the extra hop).
   */
  FAULT_POINTS: z.enum(['on', 'off']).default('on'),
  /** How many game nodes the local cluster starts. */
  GAME_NODES: z.coerce.number().int().min(1).max(16).default(3),
  /** This game node's id (set by the supervisor). */
  NODE_ID: z.string().regex(/^[a-z0-9-]{1,32}$/).default('node-1'),
  /** Comma-separated API instance ports. */
  API_PORTS: z.string().regex(/^\d+(,\d+)*$/).default('3001,3002'),
  /** Loopback port of the supervisor's fault-injection endpoint (0 = off). */
  CONTROL_PORT: port.default(7070),
  /** This API instance's id (set by the supervisor). */
  API_ID: z.string().regex(/^[a-z0-9-]{1,32}$/).default('api-1'),
  /** This API instance's port (set by the supervisor, one of API_PORTS). */
  API_PORT: port.default(3001),
  /** Interface game nodes and API instances (and so their /metrics) bind. Loopback unless asked: `0.0.0.0` exposes them. */
  BIND_HOST: z.string().min(1).default('127.0.0.1'),
  /**
   * Addresses (or CIDRs, comma-separated) of the entry point in front of the API instances: the API
   * takes the client's address from X-Forwarded-For only on requests from these, so per-IP limits
   * count players, not the proxy. Empty: the connection's own address (no proxy trusted).
   */
  TRUST_PROXY: z.string().regex(/^[0-9a-fA-F.:/,]*$/, 'comma-separated IP addresses or CIDRs').default(''),
  /** Bearer token GET /metrics requires on game nodes and API instances; unset = open (fine on loopback). */
  METRICS_TOKEN: z.string().min(16).optional(),
  /**
   * Inactivity lifetime of a refresh token: single use, and every refresh issues a
   * new one with a fresh TTL, so a session lives while it is used and lapses this
   * long after its last refresh.
   */
  REFRESH_TOKEN_TTL: seconds.default(7 * 24 * 3600),
  /** Requests per minute per client IP across all API instances; 0 turns rate limiting off. Generous so local bots pass. */
  RATE_LIMIT_MAX: perMinute.default(100_000),
  /** Guest sessions (POST /v1/auth/guest) per minute per client IP, across instances; 0 = no limit. */
  GUEST_RATE_PER_MIN: perMinute.default(20),
  /** Matchmaking requests (POST /v1/matchmake) per minute per player, across instances; 0 = no limit. */
  MATCHMAKE_RATE_PER_MIN: perMinute.default(30),
  /** Live rooms one player may have caused to be created at once, counted in Redis; 0 = no limit. */
  ROOMS_PER_PLAYER: z.coerce.number().int().min(0).default(3),
  /** Concurrent WebSocket connections one client IP may hold to one game node; 0 = no limit. */
  WS_CONNECTIONS_PER_IP: z.coerce.number().int().min(0).default(32),
  /**
   * Redis for presence, matchmaking, checkpoints and leaderboards. Empty = in-memory, one process.
   * A store address: `redis://host:port`, or `redis-sentinel://host:port,host:port#name` (the primary
   * Sentinel names; REDIS_SENTINELS is the same thing in two variables and wins when set).
   */
  REDIS_URL: z.string().default('redis://127.0.0.1:6379'),
  /** Sentinels to ask for the store's primary (`host:port,host:port,...`); unset = REDIS_URL is one server. */
  REDIS_SENTINELS: z.string().regex(/^[^\s:,]+:\d{1,5}(,[^\s:,]+:\d{1,5})*$/, 'host:port,host:port,...').optional(),
  /** The primary's name in the Sentinels' configuration (`sentinel monitor <name> ...`). */
  REDIS_SENTINEL_NAME: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/).default('statecraft'),
  /**
   * The store `npm start` runs when nothing answers at REDIS_URL: `single` (one redis-server) or
   * `ha` / `sentinel` (a primary, one replica and three Sentinels). `npm start -- --store ha` sets it.
   */
  STORE: z.enum(['single', 'ha', 'sentinel']).default('single'),
  /** HMAC secret for access tokens (≥ 32 bytes). The supervisor generates one when unset. */
  JWT_SECRET: z.string().min(32).optional(),
  ACCESS_TOKEN_TTL: seconds.default(900),
  /** Simulation and network rate of every room, in Hz. */
  TICK_RATE: z.coerce.number().int().min(5).max(60).default(20),
  MATCH_SECONDS: seconds.default(90),
  /** How long a draining node (SIGTERM) waits for its stateful matches to finish before it exits. */
  DRAIN_SECONDS: seconds.default(120),
  /** Milliseconds between two snapshots of a checkpointed room (at most this much play is lost when its host dies). */
  CHECKPOINT_MS: z.coerce.number().int().min(20).max(10_000).default(250),
  RESULTS_SECONDS: seconds.default(6),
  /**
   * Lab switch: `off` disables self-fencing (a checkpointed room cut off from the
   * store plays on) and the epoch check on recorded results, so split brain can
   * be watched happening. Never turn it off for anything but the lab.
   */
  FENCING: z.enum(['on', 'off']).default('on'),
  /** Browser origins allowed to call the API (comma-separated). */
  CORS_ORIGINS: z.string().default('http://localhost:8080,http://127.0.0.1:8080'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type Config = z.infer<typeof Env> & { PUBLIC_ADDRESS: string };

/** Every variable the schema knows: the deployment files' test checks that they set no other. */
export const CONFIG_KEYS: readonly string[] = Object.keys(Env.shape);

/** Reads and validates the environment; throws one readable error listing every bad setting. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = Env.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const data = parsed.data;
  // One store address for every consumer: each passes REDIS_URL to the one connection factory.
  const redisUrl = data.REDIS_SENTINELS ? sentinelAddress(data.REDIS_SENTINELS, data.REDIS_SENTINEL_NAME) : data.REDIS_URL;
  return { ...data, REDIS_URL: redisUrl, PUBLIC_ADDRESS: data.PUBLIC_ADDRESS ?? `${data.PUBLIC_HOST}:${data.GAME_PORT}` };
}

export function apiPorts(config: Config): number[] {
  return config.API_PORTS.split(',').map(Number);
}
