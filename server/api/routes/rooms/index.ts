import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { RejoinResult, RoomIdParams } from '../../../../shared/api';
import { errorResponses } from '../../errors';
import { bearerToken } from '../../plugins/app/auth';

/** Following a checkpointed room after its host died: where it lives now, and a seat there. */
const rooms: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.post('/:roomId/rejoin', {
    onRequest: fastify.authenticate,
    config: { needsStore: true },
    schema: {
      summary: 'A seat back in a checkpointed room, restored on a live node if its host died',
      description: '409 room/restoring: retry in ~100 ms. 410 room/lost: the session is gone (stateful room, or it ended).',
      security: [{ bearer: [] }],
      params: RoomIdParams,
      response: { 200: RejoinResult, ...errorResponses(401, 409, 410, 503) },
    },
  }, async (request) => fastify.matchmaker.rejoin(request.player!, request.params.roomId, bearerToken(request), request.ip));
};

export default rooms;
