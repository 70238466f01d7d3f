import '../common/websocket-global';
import { LocalDriver, LocalPresence, Server, matchMaker, type Presence } from '@colyseus/core';
import { WebSocketTransport } from '@colyseus/ws-transport';
import { RedisDriver } from '@colyseus/redis-driver';
import { RedisPresence } from '@colyseus/redis-presence';
import { ARENA_ROOM } from '../../shared/protocol';
import { bindArenaRoom } from './rooms/ArenaRoom';
import type { ArenaContext } from './context';

export interface GameNodeOptions extends Omit<ArenaContext, 'address' | 'pid' | 'startedAt'> {
  port: number;
  /** Interface to bind. */
  host?: string;
  /** Host name clients use to reach this node (no scheme). */
  publicHost: string;
  /** Redis URL for shared presence and matchmaking; null = in-memory (one process). */
  redisUrl: string | null;
  /** Match-make only, never host rooms (the API instances). */
  matchmakerOnly?: boolean;
}

export interface GameNode {
  readonly server: Server;
  readonly presence: Presence;
  readonly address: string;
  /** Locks rooms, disconnects players, leaves the cluster. */
  close(): Promise<void>;
}

/**
 * Boots a Colyseus process: a game node that hosts arena rooms, or (with
 * `matchmakerOnly`) a matchmaker that seats players on the game nodes.
 * Colyseus keeps one matchmaker per process, so call this once per process.
 */
export async function startGameNode(options: GameNodeOptions): Promise<GameNode> {
  const address = `${options.publicHost}:${options.port}`;
  const context: ArenaContext = { ...options, address, pid: process.pid, startedAt: Date.now() };
  const presence = options.redisUrl ? new RedisPresence(options.redisUrl) : new LocalPresence();
  const driver = options.redisUrl ? new RedisDriver(options.redisUrl) : new LocalDriver();

  const server = new Server({
    transport: new WebSocketTransport({ pingInterval: 3000, pingMaxRetries: 2 }),
    presence,
    driver,
    publicAddress: address,
    greet: false,
    gracefullyShutdown: false,
    isStandaloneMatchMaker: options.matchmakerOnly === true,
    logger: options.log,
  });
  server.define(ARENA_ROOM, bindArenaRoom(context)).filterBy(['mode']);
  await server.listen(options.port, options.host);
  options.log.info({ address, nodeId: options.nodeId }, options.matchmakerOnly ? 'matchmaker ready' : 'game node ready');

  return {
    server,
    presence,
    address,
    close: async () => {
      await server.gracefullyShutdown(false);
      await matchMaker.driver?.shutdown?.();
    },
  };
}
