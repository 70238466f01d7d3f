import type { ApiInstanceStatus, GameNodeStatus } from '../../shared/api';

/** What a game node reports a few times a second. */
export interface NodeHeartbeat {
  id: string;
  /** Colyseus process id, to match the node with matchmaking's listings. */
  processId?: string;
  /** `host:port` clients connect to. */
  address: string;
  pid: number;
  /** Epoch ms when the process started. */
  startedAt: number;
  rooms: number;
  players: number;
  state: 'alive' | 'draining';
}

/** What an API instance reports about itself (its request counter is kept separately). */
export interface ApiHeartbeat {
  id: string;
  pid: number;
  startedAt: number;
}

/**
 * Who is in the cluster. Members heartbeat into entries that lapse after
 * `ttlMs` without one; a lapsed member is listed as dead (not forgotten) until
 * `forgetAfterMs`, so the cluster view can show what just died.
 */
export interface NodeRegistry {
  heartbeat(node: NodeHeartbeat): Promise<void>;
  /** Marks a node gone at once (clean shutdown), instead of waiting for its entry to lapse. */
  leave(nodeId: string): Promise<void>;
  apiHeartbeat(api: ApiHeartbeat): Promise<void>;
  /** Adds to the instance's served-requests counter. */
  countRequests(apiId: string, count?: number): Promise<void>;
  nodes(): Promise<GameNodeStatus[]>;
  apis(): Promise<ApiInstanceStatus[]>;
}

export interface RegistryOptions {
  /** A member is dead after this long without a heartbeat. */
  ttlMs?: number;
  /** A dead member is dropped from the lists after this long. */
  forgetAfterMs?: number;
  now?: () => number;
}

export const DEFAULT_HEARTBEAT_TTL_MS = 1200;
export const DEFAULT_FORGET_AFTER_MS = 10 * 60_000;

/** Stored form of a member: the last heartbeat and when it arrived. */
export type Stamped<T> = T & { lastHeartbeat: number };

export function byId(a: { id: string }, b: { id: string }): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
