import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ClusterStatus, type RoomStatus } from '../../../../shared/api';
import { errorResponses } from '../../errors';
import { gameNodes } from '../../cluster-view';

/** The room list waits on Colyseus's driver, which queues while the store is gone: never longer than this. */
const ROOMS_TIMEOUT_MS = 1000;

/** The cluster as the registry and the matchmaker see it: who is alive, what runs where. */
const cluster: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.get('/', {
    config: { needsStore: true },
    schema: { summary: 'Game nodes, rooms and API instances', response: { 200: ClusterStatus, ...errorResponses(503) } },
  }, async (request) => {
    const [nodes, apis, rooms] = await Promise.all([
      gameNodes(fastify.registry, fastify.redis),
      fastify.registry.apis(),
      // Room listings are a nicety: a matchmaker hiccup must not hide the nodes.
      fastify.store.bounded(fastify.matchmaker.rooms(), ROOMS_TIMEOUT_MS).catch((err: unknown): RoomStatus[] => {
        request.log.debug({ err: err instanceof Error ? err.message : err }, 'could not list rooms');
        return [];
      }),
    ]);
    return { nodes, rooms, apis, servedBy: fastify.instanceId };
  });
};

export default cluster;
