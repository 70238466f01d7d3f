import type { Redis } from 'ioredis';
import type { PlayerIdentity, TokenService } from '../common/tokens';
import type { LeaderboardStore, NodeRegistry, SessionStore, Stores } from '../stores';
import type { Matchmaker } from './matchmaker';
import type { StoreWatch } from './store-watch';

export interface DrainState {
  draining: boolean;
}

/** Everything the API app is built from: injected, so one-process mode and tests can pass in-memory twins. */
export interface AppOptions {
  /** API_ID: sent in `x-statecraft-instance` and used as this instance's registry id. */
  instanceId: string;
  /** Proxies whose X-Forwarded-For gives the client's address (TRUST_PROXY); none when absent. */
  trustProxy?: string[];
  tokens: TokenService;
  stores: Stores;
  matchmaker: Matchmaker;
  /** The request-path Redis connection; null in one-process mode (in-memory stores). */
  redis: Redis | null;
  corsOrigins: string[];
  /** Requests per minute per client IP; 0 = no rate limiting. */
  rateLimitMax: number;
  /** Whether the store is reachable; built from `redis` when not given (server.ts shares one with the matchmaker). */
  store?: StoreWatch;
  /** Registry heartbeat period for this instance, ms; 0 = none. */
  heartbeatMs?: number;
  /** Set `draining` to fail readiness (a drain, SIGTERM) while every other route still serves; server.ts owns it. */
  drain?: DrainState;
  /** Per-route budgets (0 or absent = none): guest sessions per IP and matchmaking per player, per minute. */
  limits?: { guestPerMinute?: number; matchmakePerMinute?: number };
  /** Bearer token GET /metrics requires; absent = open. */
  metricsToken?: string;
}

declare module 'fastify' {
  interface FastifyInstance {
    instanceId: string;
    tokens: TokenService;
    leaderboards: LeaderboardStore;
    sessions: SessionStore;
    registry: NodeRegistry;
    matchmaker: Matchmaker;
    redis: Redis | null;
    /** `draining` once a drain began (SIGTERM): /health/ready answers 503 while every other route still serves. */
    drain: DrainState;
    /** preHandler: 401 unless a valid access token is presented; sets `request.player`. */
    authenticate(request: FastifyRequest): Promise<void>;
  }
  interface FastifyRequest {
    /** The verified bearer, on routes behind `authenticate`. */
    player: PlayerIdentity | null;
  }
}
