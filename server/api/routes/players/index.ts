import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { PlayerProfile } from '../../../../shared/api';
import { errorResponses } from '../../errors';

/** The logged-in player's own view. */
const players: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.get('/me', {
    onRequest: fastify.authenticate,
    config: { needsStore: true },
    schema: {
      summary: 'Your best scores and ranks on every leaderboard',
      security: [{ bearer: [] }],
      response: { 200: PlayerProfile, ...errorResponses(401, 503) },
    },
  }, async (request) => {
    const { playerId, name } = request.player!;
    return { playerId, name, standings: await fastify.leaderboards.standings(playerId) };
  });
};

export default players;
