import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import { Counter } from 'prom-client';
import type { AppOptions } from '../../types';
import { gameNodes } from '../../cluster-view';

/**
 * Watches the game nodes a few times a second and counts each death it sees
 * (`statecraft_node_deaths_seen_total{node}`), logging how long the node had
 * been silent. Purely an observer: matchmaking never waits on it.
 */
async function nodeWatch(fastify: FastifyInstance, opts: AppOptions): Promise<void> {
  const intervalMs = opts.heartbeatMs ?? 500;
  if (intervalMs <= 0) return;
  const deaths = new Counter({
    name: 'statecraft_node_deaths_seen_total', help: 'Game node deaths this API instance saw', labelNames: ['node'] as const,
    registers: [fastify.promRegistry],
  });
  const last = new Map<string, string>();
  const watch = async (): Promise<void> => {
    for (const node of await gameNodes(fastify.registry, fastify.redis)) {
      const before = last.get(node.id);
      if (node.state === 'dead' && before !== undefined && before !== 'dead') {
        deaths.inc({ node: node.id });
        fastify.log.warn({ node: node.id, silentMs: Date.now() - node.lastHeartbeat }, 'game node died');
      }
      last.set(node.id, node.state);
    }
  };
  let timer: NodeJS.Timeout | undefined;
  fastify.addHook('onReady', async () => {
    timer = setInterval(() => void watch().catch(() => {}), Math.min(intervalMs, 250)).unref();
  });
  fastify.addHook('onClose', async () => clearInterval(timer));
}

export default fp(nodeWatch, { name: 'node-watch', fastify: '5.x', dependencies: ['services', 'metrics'] });
