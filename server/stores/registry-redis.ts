import type { Redis } from 'ioredis';
import type { ApiInstanceStatus, GameNodeStatus } from '../../shared/api';
import { KEY_PREFIX } from '../common/redis';
import {
  DEFAULT_FORGET_AFTER_MS, DEFAULT_HEARTBEAT_TTL_MS, byId,
  type ApiHeartbeat, type NodeHeartbeat, type NodeRegistry, type RegistryOptions, type Stamped,
} from './registry';

const NODES = `${KEY_PREFIX}reg:nodes`;
const APIS = `${KEY_PREFIX}reg:apis`;
const nodeAlive = (id: string): string => `${KEY_PREFIX}reg:node-alive:${id}`;
const apiAlive = (id: string): string => `${KEY_PREFIX}reg:api-alive:${id}`;
const apiRequests = (id: string): string => `${KEY_PREFIX}reg:api-requests:${id}`;

/**
 * Node registry in Redis. Liveness is a key with a PX TTL per member, so a
 * SIGKILLed member turns dead without anyone noticing its death; its last
 * heartbeat stays in a hash for the cluster view until `forgetAfterMs`.
 */
export class RedisNodeRegistry implements NodeRegistry {
  readonly #ttlMs: number;
  readonly #forgetAfterMs: number;
  readonly #now: () => number;

  constructor(private readonly redis: Redis, options: RegistryOptions = {}) {
    this.#ttlMs = options.ttlMs ?? DEFAULT_HEARTBEAT_TTL_MS;
    this.#forgetAfterMs = options.forgetAfterMs ?? DEFAULT_FORGET_AFTER_MS;
    this.#now = options.now ?? Date.now;
  }

  async heartbeat(node: NodeHeartbeat): Promise<void> {
    const stamped: Stamped<NodeHeartbeat> = { ...node, lastHeartbeat: this.#now() };
    await Promise.all([
      this.redis.hset(NODES, node.id, JSON.stringify(stamped)),
      this.redis.set(nodeAlive(node.id), '1', 'PX', this.#ttlMs),
    ]);
  }

  async leave(nodeId: string): Promise<void> {
    await this.redis.del(nodeAlive(nodeId));
  }

  async apiHeartbeat(api: ApiHeartbeat): Promise<void> {
    const stamped: Stamped<ApiHeartbeat> = { ...api, lastHeartbeat: this.#now() };
    await Promise.all([
      this.redis.hset(APIS, api.id, JSON.stringify(stamped)),
      this.redis.set(apiAlive(api.id), '1', 'PX', this.#ttlMs),
    ]);
  }

  async countRequests(apiId: string, count = 1): Promise<void> {
    await (count === 1 ? this.redis.incr(apiRequests(apiId)) : this.redis.incrby(apiRequests(apiId), count));
  }

  async nodes(): Promise<GameNodeStatus[]> {
    const members = await this.#members<NodeHeartbeat>(NODES);
    if (members.length === 0) return [];
    const alive = await this.redis.mget(members.map((m) => nodeAlive(m.id)));
    return members.map((m, i) => ({ ...m, state: alive[i] ? m.state : 'dead' as const })).sort(byId);
  }

  async apis(): Promise<ApiInstanceStatus[]> {
    const members = await this.#members<ApiHeartbeat>(APIS);
    if (members.length === 0) return [];
    const ids = members.map((m) => m.id);
    const [alive, requests] = await Promise.all([
      this.redis.mget(ids.map(apiAlive)),
      this.redis.mget(ids.map(apiRequests)),
    ]);
    return members.map(({ startedAt: _s, ...m }, i) => ({
      ...m, requests: Number(requests[i] ?? 0), alive: alive[i] != null,
    })).sort(byId);
  }

  /** Reads a member hash, dropping members silent for longer than `forgetAfterMs`. */
  async #members<T>(key: string): Promise<Stamped<T & { id: string }>[]> {
    const raw = await this.redis.hgetall(key);
    const cutoff = this.#now() - this.#forgetAfterMs;
    const members: Stamped<T & { id: string }>[] = [];
    const stale: string[] = [];
    for (const [id, json] of Object.entries(raw)) {
      const member = JSON.parse(json) as Stamped<T & { id: string }>;
      if (member.lastHeartbeat < cutoff) stale.push(id);
      else members.push(member);
    }
    if (stale.length > 0) await this.redis.hdel(key, ...stale);
    return members;
  }
}
