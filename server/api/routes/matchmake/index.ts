import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { MatchmakeBody, MatchmakeResult } from '../../../../shared/api';
import { errorResponses } from '../../errors';
import { bearerToken } from '../../plugins/app/auth';
import { ErrorCodes } from '../../../../shared/errors';
import type { AppOptions } from '../../types';

/** Seat reservations: the client consumes one straight on the game node it names. */
const matchmake: FastifyPluginAsyncTypebox<AppOptions> = async (fastify, opts) => {
  fastify.post('/', {
    onRequest: fastify.authenticate,
    config: { needsStore: true },
    // After authentication, so the budget is the player's, whatever address they call from.
    preHandler: fastify.limit({
      perMinute: opts.limits?.matchmakePerMinute ?? 0, key: (request) => request.player!.playerId, code: ErrorCodes.rateMatchmakeLimited,
      message: 'Too many matchmaking requests.',
    }),
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
