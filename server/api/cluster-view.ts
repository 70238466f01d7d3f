import type { Redis } from 'ioredis';
import type { GameNodeStatus } from '../../shared/api';
import type { NodeRegistry } from '../stores';

/**
 * The game nodes as the registry lists them, with one correction: a killed
 * node's IPC channel vanishes the moment Redis sees its socket close, long
 * before its heartbeat lapses, so it is shown dead at once.
 */
export async function gameNodes(registry: NodeRegistry, redis: Redis | null): Promise<GameNodeStatus[]> {
  const nodes = await registry.nodes();
  if (redis && nodes.some((n) => n.state !== 'dead' && n.processId)) {
    const channels = await redis.pubsub('CHANNELS', 'p:*') as string[];
    const listening = new Set(channels.map((c) => c.slice(2)));
    for (const n of nodes) if (n.processId && !listening.has(n.processId)) n.state = 'dead';
  }
  return nodes;
}
