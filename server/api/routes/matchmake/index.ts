import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { MatchmakeBody, MatchmakeResult } from '../../../../shared/api';
import { errorResponses } from '../../errors';
import { bearerToken } from '../../plugins/app/auth';

/** Seat reservations: the client consumes one straight on the game node it names. */
const matchmake: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.post('/', {
    onRequest: fastify.authenticate,
    config: { needsStore: true },
    schema: {
      summary: 'Reserve a seat in a room with space (created on a live game node if needed)',
      security: [{ bearer: [] }],
      body: MatchmakeBody,
      response: { 200: MatchmakeResult, ...errorResponses(400, 401, 413, 415, 503) },
    },
  }, async (request) => {
    const mode = request.body.mode ?? 'stateful';
    const reservation = await fastify.matchmaker.seat(request.player!, mode, bearerToken(request), request.ip, request.body.maxPlayers);
    return { reservation, mode };
  });
};

export default matchmake;
