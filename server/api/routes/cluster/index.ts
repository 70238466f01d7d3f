import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ClusterStatus, type RoomStatus } from '../../../../shared/api';
import { errorResponses } from '../../errors';

/** The cluster as the registry and the matchmaker see it: who is alive, what runs where. */
const cluster: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.get('/', {
    schema: { summary: 'Game nodes, rooms and API instances', response: { 200: ClusterStatus, ...errorResponses(503) } },
  }, async (request) => {
    const [nodes, apis, rooms] = await Promise.all([
      fastify.registry.nodes(),
      fastify.registry.apis(),
      // Room listings are a nicety: a matchmaker hiccup must not hide the nodes.
      fastify.matchmaker.rooms().catch((err: unknown): RoomStatus[] => {
        request.log.warn({ err }, 'could not list rooms');
        return [];
      }),
    ]);
    // A killed node's IPC channel vanishes the moment Redis sees its socket close,
    // long before its heartbeat lapses: show it dead at once.
    if (fastify.redis && nodes.some((n) => n.state !== 'dead' && n.processId)) {
      const channels = await fastify.redis.pubsub('CHANNELS', 'p:*') as string[];
      const listening = new Set(channels.map((c) => c.slice(2)));
      for (const n of nodes) if (n.processId && !listening.has(n.processId)) n.state = 'dead';
    }
    return { nodes, rooms, apis, servedBy: fastify.instanceId };
  });
};

export default cluster;
