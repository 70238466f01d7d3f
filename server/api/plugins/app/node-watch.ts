import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import { Counter, Gauge } from 'prom-client';
import type { AppOptions } from '../../types';
import { gameNodes } from '../../cluster-view';
import { connectedForMs } from '../../../common/redis';
import { HEARTBEAT_TTL_MS } from '../../../cluster/liveness';

/**
 * Watches the game nodes four times a second: `statecraft_node_up{node}` (1
 * alive or draining, 0 dead) and `statecraft_node_deaths_seen_total{node}`,
 * one per alive→dead transition it saw, logged with how long the node had been
 * silent. Purely an observer: matchmaking never waits on it.
 */
async function nodeWatch(fastify: FastifyInstance, opts: AppOptions): Promise<void> {
  const intervalMs = opts.heartbeatMs ?? 500;
  if (intervalMs <= 0) return;
  const registers = [fastify.promRegistry];
  const up = new Gauge({ name: 'statecraft_node_up', help: 'Game node alive (1) or dead (0), as this API instance sees it', labelNames: ['node'] as const, registers });
  const deaths = new Counter({ name: 'statecraft_node_deaths_seen_total', help: 'Game node deaths this API instance saw', labelNames: ['node'] as const, registers });
  const last = new Map<string, string>();
  const watch = async (): Promise<void> => {
    // Just back from a store outage: every node's entry lapsed meanwhile and none has beaten
    // again yet. Judging now would report the whole cluster dead.
    if (fastify.redis && connectedForMs(fastify.redis) < HEARTBEAT_TTL_MS) return;
    for (const node of await gameNodes(fastify.registry, fastify.redis)) {
      const before = last.get(node.id);
      if (node.state === 'dead' && before !== undefined && before !== 'dead') {
        deaths.inc({ node: node.id });
        fastify.log.warn({ node: node.id, silentMs: Date.now() - node.lastHeartbeat }, 'game node died');
      }
      up.set({ node: node.id }, node.state === 'dead' ? 0 : 1);
      last.set(node.id, node.state);
    }
  };
  let timer: NodeJS.Timeout | undefined;
  fastify.addHook('onReady', async () => {
    void watch().catch(() => {});
    timer = setInterval(() => void watch().catch(() => {}), Math.min(intervalMs, 250)).unref();
  });
  fastify.addHook('onClose', async () => clearInterval(timer));
}

export default fp(nodeWatch, { name: 'node-watch', fastify: '5.x', dependencies: ['services', 'metrics'] });
