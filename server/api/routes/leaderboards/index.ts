import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  AroundParams, AroundQuery, LEADERBOARD_IDS, LeaderboardPage, LeaderboardParams, LeaderboardQuery,
  type LeaderboardId,
} from '../../../../shared/api';
import { isLeaderboardId } from '../../../stores/leaderboard';
import { ApiHttpError, errorResponses } from '../../errors';
import { ErrorCodes } from '../../../../shared/errors';

function board(id: string): LeaderboardId {
  if (isLeaderboardId(id)) return id;
  throw new ApiHttpError(404, ErrorCodes.leaderboardNotFound, `No leaderboard "${id}". Known: ${LEADERBOARD_IDS.join(', ')}.`);
}

/** Read-only leaderboards: the top (paginated by an offset cursor) and the neighbourhood of one player. */
const leaderboards: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.get('/:board', {
    config: { needsStore: true },
    schema: {
      summary: 'Top of a leaderboard, best first',
      params: LeaderboardParams,
      querystring: LeaderboardQuery,
      response: { 200: LeaderboardPage, ...errorResponses(400, 404, 503) },
    },
  }, async (request) => {
    const id = board(request.params.board);
    const limit = request.query.limit ?? 10;
    const offset = Number(request.query.cursor ?? 0);
    const { entries, total } = await fastify.leaderboards.top(id, offset, limit);
    const next = offset + entries.length;
    return { board: id, entries, nextCursor: entries.length === limit && next < total ? String(next) : null };
  });

  fastify.get('/:board/around/:playerId', {
    config: { needsStore: true },
    schema: {
      summary: 'Entries around one player',
      params: AroundParams,
      querystring: AroundQuery,
      response: { 200: LeaderboardPage, ...errorResponses(400, 404, 503) },
    },
  }, async (request) => {
    const id = board(request.params.board);
    const entries = await fastify.leaderboards.around(id, request.params.playerId, request.query.limit ?? 11);
    if (!entries) throw new ApiHttpError(404, ErrorCodes.playerNotRanked, `Player ${request.params.playerId} has no score on ${id}.`);
    return { board: id, entries, nextCursor: null };
  });
};

export default leaderboards;
