import '../common/websocket-global';
import { loadConfig } from '../common/config';
import { CLOSE_LIMIT_MS, notifyReady, onShutdown } from '../common/lifecycle';
import { createLogger } from '../common/logger';
import { createRedis, redisReady } from '../common/redis';
import { TokenService } from '../common/tokens';
import { watchUnhandledRejections } from '../common/unhandled';
import { createApiStores } from '../stores';
import { buildApp } from './app';
import type { DrainState } from './types';
import { startStandaloneMatchmaker } from './matchmaker/standalone';
import { watchStore } from './store-watch';
import { CHECK_INTERVAL_MS } from '../supervisor/ingress-pool';

/** How long a draining instance goes on serving while it reports not ready: three of the entry point's checks. */
const DRAIN_MS = 3 * CHECK_INTERVAL_MS;

/** An API instance: needs API_ID, API_PORT, REDIS_URL and JWT_SECRET (shared with the game nodes). */
const config = loadConfig();
const log = createLogger(`api:${config.API_ID}`, config.LOG_LEVEL);
if (!config.JWT_SECRET || !config.REDIS_URL) {
  log.fatal('JWT_SECRET and REDIS_URL must be set: API instances share sessions, leaderboards and matchmaking through Redis.');
  process.exit(2);
}

watchUnhandledRejections(log);

// No log of its own: the store watch logs each outage once, for all of this instance's connections.
const redis = createRedis(config.REDIS_URL, { role: `api:${config.API_ID}`, failFast: true });
// Start serving either way (readiness reports Redis), but give it a moment so the first heartbeat lands.
await redisReady(redis, 5000).catch((err: unknown) => log.warn({ err }, 'starting without Redis'));
const store = watchStore(redis, log);
const tokens = new TokenService(config.JWT_SECRET, config.ACCESS_TOKEN_TTL);
const matchmaker = await startStandaloneMatchmaker({
  redisUrl: config.REDIS_URL,
  publicAddress: `${config.PUBLIC_HOST}:${config.API_PORT}`,
  instanceId: config.API_ID,
  tokens,
  log,
  redis,
  store,
  roomsPerPlayer: config.ROOMS_PER_PLAYER,
});
const { stores, close: closeStores } = createApiStores(redis, config.REFRESH_TOKEN_TTL);
const drain: DrainState = { draining: false };
const app = await buildApp({
  instanceId: config.API_ID,
  drain,
  trustProxy: config.TRUST_PROXY.split(',').map((a) => a.trim()).filter(Boolean),
  tokens,
  stores,
  matchmaker,
  redis,
  store,
  corsOrigins: config.CORS_ORIGINS.split(',').map((o) => o.trim()).filter(Boolean),
  rateLimitMax: config.RATE_LIMIT_MAX,
  limits: { guestPerMinute: config.GUEST_RATE_PER_MIN, matchmakePerMinute: config.MATCHMAKE_RATE_PER_MIN },
  ...(config.METRICS_TOKEN ? { metricsToken: config.METRICS_TOKEN } : {}),
}, log);

onShutdown(log, async (reason) => {
  if (reason === 'SIGTERM') {
    // A drain: fail readiness and keep serving until the entry point has looked (it checks every
    // CHECK_INTERVAL_MS and takes an instance out on one failure), so nothing is sent to a closing
    // socket. Closing at once answered a request already on its way with 503 or a reset.
    drain.draining = true;
    log.info({ closingInMs: DRAIN_MS }, 'draining: not ready; closing once the entry point has stopped sending');
    await new Promise((r) => setTimeout(r, DRAIN_MS));
  }
  await app.close();
  await matchmaker.close();
  closeStores();
  store.close();
  redis.disconnect();
}, { limitMs: (reason) => (reason === 'SIGTERM' ? DRAIN_MS : 0) + CLOSE_LIMIT_MS });
await app.listen({ port: config.API_PORT, host: config.BIND_HOST });
notifyReady({ apiId: config.API_ID, port: config.API_PORT });
