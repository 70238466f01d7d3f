import '../../common/websocket-global';
import { matchMaker } from '@colyseus/core';
import { RedisDriver } from '@colyseus/redis-driver';
import { RedisPresence } from '@colyseus/redis-presence';
import { ARENA_ROOM, ROOM_MODES } from '../../../shared/protocol';
import { DEFAULT_RULES } from '../../../shared/rules/arena';
import type { Logger } from '../../common/logger';
import type { TokenService } from '../../common/tokens';
import { ARENA_FILTERS, bindArenaRoom } from '../../game/rooms/ArenaRoom';
import { processMatchmaker } from './colyseus';
import { createCheckpointStore, createRoomQuotaStore } from '../../stores';
import { createSweeper, liveProcessSelector } from '../../game/liveness';
import type { Redis } from 'ioredis';
import { MatchmakeError, type Matchmaker } from './index';

export interface StandaloneMatchmakerOptions {
  redisUrl: string;
  /** Names this process in Colyseus's listings; it never hosts a room, so nobody connects to it. */
  publicAddress: string;
  /** Id shown as the "node" of the room class registered here (never hosts). */
  instanceId: string;
  tokens: TokenService;
  log: Logger;
  /** For the liveness checks (game/liveness) and the room quota. */
  redis: Redis;
  /** Live rooms one player may cause to be created (0 = no cap). */
  roomsPerPlayer?: number;
}

/**
 * Sets up this process's Colyseus matchmaker as standalone (no rooms, no IPC
 * channel) over the shared Redis presence and driver, and registers the arena
 * room so its static `onAuth` runs here. One per process: Colyseus's
 * matchmaker is a module singleton.
 */
export async function startStandaloneMatchmaker(options: StandaloneMatchmakerOptions): Promise<Matchmaker> {
  const presence = new RedisPresence(options.redisUrl);
  const driver = new RedisDriver(options.redisUrl);

  // Colyseus's default picks the process with fewest rooms and falls back to
  // itself, which for a standalone matchmaker would create rooms nobody can reach.
  const selectGameNode = liveProcessSelector(options.redis, () => matchMaker.processId,
    () => new MatchmakeError('no-nodes', 'No game node is up to host a room; try again shortly.'));

  await matchMaker.setup(presence, driver, options.publicAddress, selectGameNode);
  const context = {
    nodeId: options.instanceId, pid: process.pid, startedAt: Date.now(), address: options.publicAddress,
    tickRate: 20, rules: DEFAULT_RULES, tokens: options.tokens, results: null, log: options.log, modes: ROOM_MODES,
    checkpoints: null, checkpointMs: 0, rooms: new Set<{ drain(): Promise<void> }>(),
  };
  matchMaker.defineRoomType(ARENA_ROOM, bindArenaRoom(context)).filterBy(ARENA_FILTERS);
  await matchMaker.accept(true);

  const failover = { checkpoints: createCheckpointStore(options.redis), redis: options.redis, owner: options.instanceId };
  const sweep = createSweeper(options.redis, () => matchMaker.processId);
  const inner = processMatchmaker(failover, async () => {
    await matchMaker.gracefullyShutdown().catch(() => {});
    await driver.shutdown();
    presence.shutdown();
  }, { quota: createRoomQuotaStore(options.redis), max: options.roomsPerPlayer ?? 0 });

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
