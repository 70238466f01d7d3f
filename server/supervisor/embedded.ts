import '../common/websocket-global';
import { DEFAULT_RULES } from '../../shared/rules/arena';
import { apiPorts, loadConfig } from '../common/config';
import { notifyReady, onShutdown } from '../common/lifecycle';
import { createLogger } from '../common/logger';
import { TokenService } from '../common/tokens';
import { createCheckpointStore, createRoomQuotaStore, createStores } from '../stores';
import { buildApp } from '../api/app';
import { processMatchmaker } from '../api/matchmaker/colyseus';
import { startGameNode } from '../game/node';

/**
 * One-process mode, for machines without Redis: one game node and one API
 * instance in the same process, with in-memory matchmaking and stores.
 * Everything is lost when it stops; there is nothing to fail over to.
 */
const config = loadConfig();
const log = createLogger('embedded', config.LOG_LEVEL);
const tokens = new TokenService(config.JWT_SECRET!, config.ACCESS_TOKEN_TTL);
const stores = createStores(null, config.REFRESH_TOKEN_TTL);
const checkpoints = createCheckpointStore(null);

const node = await startGameNode({
  nodeId: 'node-1',
  port: config.GAME_PORT,
  host: config.BIND_HOST,
  publicHost: config.PUBLIC_HOST,
  publicAddress: config.PUBLIC_ADDRESS,
  redisUrl: null,
  registry: stores.registry,
  checkpoints,
  checkpointMs: config.CHECKPOINT_MS,
  tickRate: config.TICK_RATE,
  rules: { ...DEFAULT_RULES, matchMs: config.MATCH_SECONDS * 1000, resultsMs: config.RESULTS_SECONDS * 1000 },
  tokens,
  results: stores.leaderboards,
  log,
  connectionsPerIp: config.WS_CONNECTIONS_PER_IP,
  ...(config.METRICS_TOKEN ? { metricsToken: config.METRICS_TOKEN } : {}),
});
const app = await buildApp({
  instanceId: 'api-1',
  tokens,
  stores,
  matchmaker: processMatchmaker({ checkpoints, redis: null, owner: 'embedded' }, undefined, undefined, { quota: createRoomQuotaStore(null), max: config.ROOMS_PER_PLAYER }),
  redis: null,
  corsOrigins: config.CORS_ORIGINS.split(',').map((o) => o.trim()).filter(Boolean),
  rateLimitMax: config.RATE_LIMIT_MAX,
  limits: { guestPerMinute: config.GUEST_RATE_PER_MIN, matchmakePerMinute: config.MATCHMAKE_RATE_PER_MIN },
  ...(config.METRICS_TOKEN ? { metricsToken: config.METRICS_TOKEN } : {}),
}, log);
const apiPort = apiPorts(config)[0]!;
onShutdown(log, async () => {
  await app.close();
  await node.close();
});
await app.listen({ port: apiPort, host: config.BIND_HOST });
notifyReady({ nodeId: 'node-1', apiPort });
