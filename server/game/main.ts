import { DEFAULT_RULES } from '../../shared/rules/arena';
import { loadConfig } from '../common/config';
import { createLogger } from '../common/logger';
import { TokenService } from '../common/tokens';
import { startGameNode } from './node';
import { createRedis, parseStoreAddress } from '../common/redis';
import { RESULTS_WAIT_REPLICAS, RedisLeaderboardStore } from '../stores/leaderboard-redis';
import { CLOSE_LIMIT_MS, notifyReady, onShutdown } from '../common/lifecycle';
import { watchUnhandledRejections } from '../common/unhandled';

/** A game node process: `NODE_ID`, `GAME_PORT`, `REDIS_URL` and `JWT_SECRET` come from the environment. */
const config = loadConfig();
const log = createLogger(`game:${config.NODE_ID}`, config.LOG_LEVEL);
watchUnhandledRejections(log);
if (!config.JWT_SECRET) {
  log.fatal('JWT_SECRET is not set: game nodes verify the API\'s access tokens and need the same secret.');
  process.exit(2);
}

const node = await startGameNode({
  nodeId: config.NODE_ID,
  port: config.GAME_PORT,
  host: config.BIND_HOST,
  publicHost: config.PUBLIC_HOST,
  publicAddress: config.PUBLIC_ADDRESS,
  redisUrl: config.REDIS_URL || null,
  tickRate: config.TICK_RATE,
  checkpointMs: config.CHECKPOINT_MS,
  rules: { ...DEFAULT_RULES, matchMs: config.MATCH_SECONDS * 1000, resultsMs: config.RESULTS_SECONDS * 1000 },
  tokens: new TokenService(config.JWT_SECRET, config.ACCESS_TOKEN_TTL),
  // Scores are written by the game server, never by a player: exactly once per match id.
  // Fail fast: the node's outbox retries results while the store is unreachable. With a replicated
  // store each result waits for the replica (WAIT 1 200): a result acknowledged by a primary that
  // dies before replicating it would be lost for good (store-failover: +0.2 ms per result).
  results: config.REDIS_URL ? new RedisLeaderboardStore(createRedis(config.REDIS_URL, { role: `game:${config.NODE_ID}:results`, log, failFast: true }), Date.now,
    parseStoreAddress(config.REDIS_URL).kind === 'sentinel' ? { waitReplicas: RESULTS_WAIT_REPLICAS } : {}) : null,
  log,
  fencing: config.FENCING === 'on',
  connectionsPerIp: config.WS_CONNECTIONS_PER_IP,
  trustedProxies: config.TRUST_PROXY.split(',').map((a) => a.trim()).filter(Boolean),
  ...(config.METRICS_TOKEN ? { metricsToken: config.METRICS_TOKEN } : {}),
});

onShutdown(log, async (reason) => {
  if (reason === 'SIGTERM') await node.drain(config.DRAIN_SECONDS * 1000);
  await node.close();
}, { limitMs: (reason) => (reason === 'SIGTERM' ? config.DRAIN_SECONDS * 1000 : 0) + CLOSE_LIMIT_MS });
// The supervisor's fencing toggle (POST /fencing): applied, then confirmed, so it can say who has it.
process.on('message', (msg: { type?: string; on?: unknown }) => {
  if (msg?.type !== 'fencing' || typeof msg.on !== 'boolean') return;
  node.fencing = msg.on;
  process.send?.({ type: 'fencing', on: node.fencing });
});
notifyReady({ nodeId: config.NODE_ID, address: node.address });
