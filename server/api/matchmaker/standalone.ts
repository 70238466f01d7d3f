import '../../common/websocket-global';
import { matchMaker } from '@colyseus/core';
import { RedisDriver } from '@colyseus/redis-driver';
import { RedisPresence } from '@colyseus/redis-presence';
import { createRedis } from '../../common/redis';
import type { Redis } from 'ioredis';
import { ARENA_ROOM } from '../../../shared/protocol';
import { ErrorCodes } from '../../../shared/errors';
import type { Logger } from '../../common/logger';
import type { TokenService } from '../../common/tokens';
import { createCheckpointStore, createRoomQuotaStore } from '../../stores';
import { ARENA_FILTERS } from '../../cluster/seats';
import { createSweeper, liveProcessSelector } from '../../cluster/liveness';
import type { StoreWatch } from '../store-watch';
import { processMatchmaker } from './colyseus';
import { routeColyseusLogs } from './colyseus-log';
import { MatchmakeError, type Matchmaker } from './index';
import { seatCheckRoom } from './seat-check-room';

export interface StandaloneMatchmakerOptions {
  redisUrl: string;
  /** Names this process in Colyseus's listings; it never hosts a room, so nobody connects to it. */
  publicAddress: string;
  /** Names this instance in restore leases. */
  instanceId: string;
  tokens: TokenService;
  log: Logger;
  /** For the liveness checks (cluster/liveness) and the room quota. */
  redis: Redis;
  /** The instance's store watch: Colyseus's connections count towards it, and it bounds every matchmaker call. */
  store: StoreWatch;
  /** Live rooms one player may cause to be created (0 = no cap). */
  roomsPerPlayer?: number;
}

/**
 * Sets up this process's Colyseus matchmaker as standalone (no rooms, no IPC
 * channel) over the shared Redis presence and driver, and registers a stand-in
 * for the arena room so seat auth (its static `onAuth`) runs here. One per
 * process: Colyseus's matchmaker is a module singleton.
 */
export async function startStandaloneMatchmaker(options: StandaloneMatchmakerOptions): Promise<Matchmaker> {
  routeColyseusLogs(options.log);
  // Colyseus's own connections wait out a store outage (see RedisOptions.waitForever), so
  // the store watch counts them: a request needs them ready, or it would queue behind them.
  // (No log of their own: the watch logs each outage once.)
  const colyseusRedis = (role: string) => {
    const conn = createRedis(options.redisUrl, { role: `api:${options.instanceId}:${role}`, waitForever: true });
    options.store.watch(conn);
    return conn;
  };
  const presence = new RedisPresence(colyseusRedis('presence'));
  const driver = new RedisDriver(colyseusRedis('driver'));

  // Colyseus's default picks the process with fewest rooms and falls back to
  // itself, which for a standalone matchmaker would create rooms nobody can reach.
  const selectGameNode = liveProcessSelector(options.redis, () => matchMaker.processId,
    () => new MatchmakeError(ErrorCodes.matchmakeNoNodes, 'No game node is up to host a room; try again shortly.'));

  await matchMaker.setup(presence, driver, options.publicAddress, selectGameNode);
  matchMaker.defineRoomType(ARENA_ROOM, seatCheckRoom(options.tokens)).filterBy(ARENA_FILTERS);
  await matchMaker.accept(true);

  const failover = { checkpoints: createCheckpointStore(options.redis), redis: options.redis, owner: options.instanceId };
  const sweep = createSweeper(options.redis, () => matchMaker.processId);
  const inner = processMatchmaker(failover, async () => {
    await matchMaker.gracefullyShutdown().catch(() => {});
    await driver.shutdown();
    presence.shutdown();
  }, options.store, { quota: createRoomQuotaStore(options.redis), max: options.roomsPerPlayer ?? 0 });

  return {
    ...inner,
    // Sweep dead nodes' listings first, so a join right after a crash is never
    // sent to the dead host (Colyseus would wait out two 2 s IPC timeouts).
    // (A rejoin needs no sweep of its own: ensureRoomHosted sweeps before it restores.)
    seat: async (...args) => {
      await sweep();
      return inner.seat(...args);
    },
  };
}
