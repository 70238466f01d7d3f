import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { GuestLoginBody, RefreshBody, Session } from '../../../../shared/api';
import type { PlayerIdentity } from '../../../common/tokens';
import { ApiHttpError, errorResponses, unauthorized } from '../../errors';
import { ErrorCodes } from '../../../../shared/errors';
import type { AppOptions } from '../../types';

/** Guest sessions: a short-lived access JWT plus a single-use refresh token kept (hashed) in Redis. */
const auth: FastifyPluginAsyncTypebox<AppOptions> = async (fastify, opts) => {
  async function session(identity: PlayerIdentity): Promise<Session> {
    const refreshToken = await fastify.sessions.issue(identity);
    const access = fastify.tokens.sign(identity);
    return { ...identity, accessToken: access.token, accessTokenExpiresAt: access.expiresAt, refreshToken };
  }

  fastify.post('/guest', {
    // Each guest costs a stored refresh token: a budget per IP keeps a script from minting them in bulk.
    onRequest: fastify.limit({
      perMinute: opts.limits?.guestPerMinute ?? 0, key: (request) => request.ip, code: ErrorCodes.rateGuestLimited,
      message: 'Too many guest sessions started from your address.',
    }),
    schema: {
      summary: 'Start a guest session',
      body: GuestLoginBody,
      response: { 200: Session, ...errorResponses(400, 413, 415, 503) },
    },
  }, async (request) => {
    const name = request.body.name.trim();
    if (!name) throw new ApiHttpError(400, ErrorCodes.requestInvalid, 'Invalid request: body/name must not be blank');
    return session({ playerId: randomUUID(), name });
  });

  fastify.post('/refresh', {
    schema: {
      summary: 'Trade a refresh token for a new session (the old token stops working)',
      body: RefreshBody,
      response: { 200: Session, ...errorResponses(400, 401, 413, 415, 503) },
    },
  }, async (request) => {
    const grant = await fastify.sessions.consume(request.body.refreshToken);
    if (!grant) throw unauthorized(ErrorCodes.authInvalid, 'The refresh token is unknown, expired or already used: log in again.');
    return session(grant);
  });
};

export default auth;
