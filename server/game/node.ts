import '../common/websocket-global';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LocalDriver, LocalPresence, Server, ServerError, matchMaker, type Presence } from '@colyseus/core';
import { WebSocketTransport } from '@colyseus/ws-transport';
import { RedisDriver } from '@colyseus/redis-driver';
import { RedisPresence } from '@colyseus/redis-presence';
import { ARENA_ROOM } from '../../shared/protocol';
import { bindArenaRoom } from './rooms/ArenaRoom';
import { ARENA_FILTERS } from '../cluster/seats';
import type { ArenaContext } from './context';
import { createRedis, redisReady } from '../common/redis';
import { createCheckpointStore, createNodeRegistry, type CheckpointStore, type NodeRegistry, type ResultsSink } from '../stores';
import { ALWAYS_HELD, StoreLease } from '../cluster/lease';
import { ResultsOutbox } from './outbox';
import { HEARTBEAT_INTERVAL_MS, liveProcessSelector, startLiveness } from '../cluster/liveness';
import { createOnLiveNode, restoreRoomsOf } from '../cluster/failover';
import { createGameMetrics } from './metrics';
import { connectionsPerIp, lockDownHttp } from './edge';
import { warmUp, type WarmUp } from './warmup';

type Derived = 'address' | 'pid' | 'startedAt' | 'rooms' | 'checkpoints' | 'checkpointMs' | 'observeTick' | 'observeLateness' | 'checkpointMetrics' | 'results' | 'lease' | 'fencing' | 'createElsewhere';

export interface GameNodeOptions extends Omit<ArenaContext, Derived> {
  /** Self-fencing and the epoch check on results (default on; off only in the lab, FENCING=off). */
  fencing?: boolean;
  /** Where finished matches are recorded (through this node's outbox); null: nowhere. */
  results: ResultsSink | null;
  /** Milliseconds between snapshots of checkpointed rooms (default 250). */
  checkpointMs?: number;
  /** Checkpoint store to share in one-process mode (with Redis the node uses Redis's). */
  checkpoints?: CheckpointStore;
  port: number;
  /** Interface to bind. */
  host?: string;
  /** Host name clients use to reach this node (no scheme). */
  publicHost: string;
  /**
   * `host:port` clients use to reach this node, named in seat reservations (Colyseus's
   * `publicAddress`); default `publicHost:port`. Differs from it when players come through a
   * fault point (the supervisor's), so the node listens on one port and advertises another.
   */
  publicAddress?: string;
  /** Redis URL for shared presence and matchmaking; null = in-memory (one process). */
  redisUrl: string | null;
  /** Where the node heartbeats in one-process mode (with Redis it uses Redis's). */
  registry?: NodeRegistry;
  /** Bearer token GET /metrics requires; absent = open. */
  metricsToken?: string;
  /** Concurrent WebSocket connections one client IP may hold to this node (0 or absent = no limit). */
  connectionsPerIp?: number;
  /** The entry point's addresses (TRUST_PROXY): sockets from them count against the forwarded client's address. */
  trustedProxies?: string[];
}

export interface GameNode {
  readonly server: Server;
  readonly presence: Presence;
  readonly address: string;
  readonly registry: NodeRegistry;
  /**
   * Stops taking new rooms (the cluster shows the node as draining), hands
   * checkpointed rooms over to other nodes and lets stateful matches finish.
   * Resolves when no room is left, or after `timeoutMs`.
   */
  drain(timeoutMs?: number): Promise<void>;
  /** Locks rooms, disconnects players, leaves the cluster. */
  close(): Promise<void>;
  /** Self-fencing and the epoch check on results, switchable at runtime (the lab's fencing toggle). */
  fencing: boolean;
  /** What the warm-up before `ready` did (see warmup.ts). */
  readonly warmUp: WarmUp;
}

/**
 * Boots a game node: a Colyseus process that hosts arena rooms, heartbeats
 * into the node registry and sweeps dead peers out of matchmaking. Colyseus
 * keeps one matchmaker per process, so call this once per process.
 */
export async function startGameNode(options: GameNodeOptions): Promise<GameNode> {
  const address = options.publicAddress ?? `${options.publicHost}:${options.port}`;
  const metrics = createGameMetrics(options.nodeId);
  // Fail fast: a heartbeat or checkpoint the store cannot take must fail now, not queue for 30 s
  // and land stale after the outage (the lease, not a queue, carries the node through it).
  // Not auto-pipelined: its commands are mostly checkpoints, one per room frame, each in a timer
  // callback of its own, so every one was a pipeline of one: 22-60 µs more client CPU per save
  // (measured side by side, 20,000 saves each way, 3 rounds), at 400 saves a second at 1000
  // players in rooms of 10.
  const redis = options.redisUrl ? createRedis(options.redisUrl, { role: `game:${options.nodeId}`, log: options.log, failFast: true, autoPipelining: false }) : null;
  // Heartbeats get a connection of their own without auto-pipelining: ioredis keeps one auto-pipeline
  // in flight per connection, so with the store 300 ms away each way the beats were acknowledged
  // 600-1000 ms apart and the 1 s lease lapsed with nothing wrong but latency. Unpipelined, every
  // 200 ms beat is its own round trip and a healthy lease stays under 800 ms old.
  const beats = options.redisUrl ? createRedis(options.redisUrl, { role: `game:${options.nodeId}:liveness`, log: options.log, failFast: true, autoPipelining: false }) : null;
  if (redis) await Promise.all([redisReady(redis, 10_000), redisReady(beats!, 10_000)]);
  const lease = redis ? new StoreLease() : ALWAYS_HELD;
  const results = options.results ? new ResultsOutbox(options.results, options.log) : null;
  metrics.health.resultsPending = () => results?.pending ?? 0;
  metrics.health.leaseAgeMs = () => lease.ageMs;
  const rooms: ArenaContext['rooms'] = new Set();
  const checkpoints = options.checkpoints ?? createCheckpointStore(redis);
  const context: ArenaContext = {
    ...options, address, pid: process.pid, startedAt: Date.now(), rooms, results, lease, fencing: options.fencing ?? true,
    // A draining node must never get its own room back (Colyseus's createRoom falls back to the caller).
    createElsewhere: (create) => createOnLiveNode({ redis }, create, { exclude: matchMaker.processId }),
    checkpoints, checkpointMs: options.checkpointMs ?? 250,
    observeTick: metrics.observeTick, observeLateness: metrics.observeLateness, checkpointMetrics: metrics.checkpoints,
  };
  const colyseusRedis = (role: string) => createRedis(options.redisUrl!, { role: `game:${options.nodeId}:${role}`, log: options.log, waitForever: true });
  const presence = options.redisUrl ? new RedisPresence(colyseusRedis('presence')) : new LocalPresence();
  const driver = options.redisUrl ? new RedisDriver(colyseusRedis('driver')) : new LocalDriver();
  let draining = false;

  const http = createServer();
  const verifyClient = connectionsPerIp(options.connectionsPerIp ?? 0, options.trustedProxies);
  const server = new Server({
    transport: new WebSocketTransport({
      server: http, pingInterval: 3000, pingMaxRetries: 2,
      ...(verifyClient ? { verifyClient } : {}),
    }),
    presence,
    driver,
    publicAddress: address,
    greet: false,
    gracefullyShutdown: false,
    logger: options.log,
    // Rooms go to live, non-draining nodes only (this one too, unless it drains).
    ...(redis ? {
      selectProcessIdToCreateRoom: liveProcessSelector(redis, () => (draining ? matchMaker.processId : null),
        () => new ServerError(503, 'No live game node can host a room right now.')),
    } : {}),
  });
  server.define(ARENA_ROOM, bindArenaRoom(context)).filterBy(ARENA_FILTERS);

  const registry = options.registry ?? createNodeRegistry(beats);
  const describe = () => ({
    id: options.nodeId, processId: matchMaker.processId, address, pid: context.pid, startedAt: context.startedAt,
    rooms: matchMaker.stats.local.roomCount, players: matchMaker.stats.local.ccu,
    state: draining ? 'draining' as const : 'alive' as const,
  });
  // The first beat lands before the node is listed in matchmaking, so no peer
  // sweeps it out as dead while it boots (and after setup, which names the process).
  await matchMaker.onReady;
  const failover = { checkpoints, redis, owner: options.nodeId };
  const liveness = beats
    ? startLiveness({
      redis: beats, registry, log: options.log, describe, lease: lease as StoreLease,
      onDead: (dead) => {
        restoreRoomsOf(failover, dead, options.log).catch((err: unknown) => options.log.warn({ err, dead }, 'could not restore a dead node\'s rooms'));
      },
      // The store answers again: results waiting in the outbox go now, not at their next backoff step.
      onRenewed: () => results?.nudge(),
    })
    : null;
  await (liveness ? liveness.beat() : registry.heartbeat(describe()));
  const memoryBeat = redis ? null : setInterval(() => void registry.heartbeat(describe()), HEARTBEAT_INTERVAL_MS).unref();

  await server.listen(options.port, options.host);
  lockDownHttp(http, {
    metrics: metrics.text, ...(options.metricsToken ? { metricsToken: options.metricsToken } : {}),
    health: () => ({ ready: !draining && lease.held, draining, store: redis ? (lease.held ? 'up' : 'down') : 'none' }),
  });
  // Before it says it is ready: the first players a failover sends here must not meet cold code.
  const warm = await warmUp(server, context, http.address() as AddressInfo);
  if (warm.error) options.log.warn({ err: warm.error, ms: Math.round(warm.ms) }, 'warm-up failed: the first players here may join slower');
  else options.log.info({ ms: Math.round(warm.ms) }, 'warmed up: hosted, restored and joined a room of its own');
  options.log.info({ address, nodeId: options.nodeId }, 'game node ready');

  return {
    server,
    presence,
    address,
    registry,
    warmUp: warm,
    get fencing() {
      return context.fencing;
    },
    // Rooms read the context on every frame and every result, so a switch takes effect at once.
    set fencing(on: boolean) {
      if (context.fencing !== on) options.log.warn({ fencing: on }, on ? 'fencing switched on' : 'fencing switched OFF: checkpointed rooms cut off from the store play on (split brain)');
      context.fencing = on;
    },
    drain: async (timeoutMs = 120_000) => {
      draining = true;
      await liveness?.beat(); // tell the cluster at once: no new rooms here
      const handOffs = await Promise.allSettled([...rooms].map((r) => r.drain()));
      for (const h of handOffs) if (h.status === 'rejected') options.log.error({ err: h.reason }, 'a room could not be drained');
      const deadline = Date.now() + timeoutMs;
      while (rooms.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      options.log.info({ roomsLeft: rooms.size }, rooms.size === 0 ? 'drained' : 'drain timed out');
    },
    close: async () => {
      draining = true;
      if (memoryBeat) clearInterval(memoryBeat);
      await server.gracefullyShutdown(false);
      // Leaves the cluster at once: a clean exit is not a death.
      await (liveness ? liveness.stop() : registry.leave(options.nodeId));
      results?.close();
      redis?.disconnect();
      beats?.disconnect();
    },
  };
}
