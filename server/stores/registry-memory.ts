import type { ApiInstanceStatus, GameNodeStatus } from '../../shared/api';
import {
  DEFAULT_FORGET_AFTER_MS, DEFAULT_HEARTBEAT_TTL_MS, byId,
  type ApiHeartbeat, type NodeHeartbeat, type NodeRegistry, type RegistryOptions, type Stamped,
} from './registry';

/** In-memory twin of the Redis node registry (one-process mode, tests). */
export class MemoryNodeRegistry implements NodeRegistry {
  readonly #nodes = new Map<string, Stamped<NodeHeartbeat> & { aliveUntil: number }>();
  readonly #apis = new Map<string, Stamped<ApiHeartbeat> & { aliveUntil: number }>();
  readonly #requests = new Map<string, number>();
  readonly #ttlMs: number;
  readonly #forgetAfterMs: number;
  readonly #now: () => number;

  constructor(options: RegistryOptions = {}) {
    this.#ttlMs = options.ttlMs ?? DEFAULT_HEARTBEAT_TTL_MS;
    this.#forgetAfterMs = options.forgetAfterMs ?? DEFAULT_FORGET_AFTER_MS;
    this.#now = options.now ?? Date.now;
  }

  async heartbeat(node: NodeHeartbeat): Promise<void> {
    const now = this.#now();
    this.#nodes.set(node.id, { ...node, lastHeartbeat: now, aliveUntil: now + this.#ttlMs });
  }

  async leave(nodeId: string): Promise<void> {
    const node = this.#nodes.get(nodeId);
    if (node) node.aliveUntil = 0;
  }

  async apiHeartbeat(api: ApiHeartbeat): Promise<void> {
    const now = this.#now();
    this.#apis.set(api.id, { ...api, lastHeartbeat: now, aliveUntil: now + this.#ttlMs });
  }

  async countRequests(apiId: string, count = 1): Promise<void> {
    this.#requests.set(apiId, (this.#requests.get(apiId) ?? 0) + count);
  }

  async nodes(): Promise<GameNodeStatus[]> {
    const now = this.#now();
    return [...this.#prune(this.#nodes, now).values()].map(({ aliveUntil, ...n }) => ({
      ...n, state: aliveUntil > now ? n.state : 'dead' as const,
    })).sort(byId);
  }

  async apis(): Promise<ApiInstanceStatus[]> {
    const now = this.#now();
    return [...this.#prune(this.#apis, now).values()].map(({ aliveUntil, startedAt: _s, ...a }) => ({
      ...a, requests: this.#requests.get(a.id) ?? 0, alive: aliveUntil > now,
    })).sort(byId);
  }

  #prune<T extends { lastHeartbeat: number }>(members: Map<string, T>, now: number): Map<string, T> {
    for (const [id, m] of members) if (m.lastHeartbeat < now - this.#forgetAfterMs) members.delete(id);
    return members;
  }
}
