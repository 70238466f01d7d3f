import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { GuestLoginBody, RefreshBody, Session } from '../../../../shared/api';
import type { PlayerIdentity } from '../../../common/tokens';
import { ApiHttpError, errorResponses, unauthorized } from '../../errors';
import { ErrorCodes } from '../../../../shared/errors';
import type { AppOptions } from '../../types';

/** Guest sessions: a short-lived access JWT plus a single-use refresh token kept (hashed) in Redis. */
const auth: FastifyPluginAsyncTypebox<AppOptions> = async (fastify, opts) => {
  function session(identity: PlayerIdentity, refreshToken: string): Session {
    const access = fastify.tokens.sign(identity);
    return { ...identity, accessToken: access.token, accessTokenExpiresAt: access.expiresAt, refreshToken };
  }

  fastify.post('/guest', {
    config: { needsStore: true },
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
    const identity = { playerId: randomUUID(), name };
    return session(identity, await fastify.sessions.issue(identity));
  });

  fastify.post('/refresh', {
    config: { needsStore: true },
    schema: {
      summary: 'Trade a refresh token for a new session (the old token stops working)',
      description: 'The same token presented again within 30 s answers with the same new refresh token (an answer lost in flight must not cost the player their identity); after that it is refused.',
      body: RefreshBody,
      response: { 200: Session, ...errorResponses(400, 401, 413, 415, 503) },
    },
  }, async (request) => {
    const rotation = await fastify.sessions.rotate(request.body.refreshToken);
    if (!rotation) throw unauthorized(ErrorCodes.authInvalid, 'The refresh token is unknown, expired or already used: log in again.');
    return session({ playerId: rotation.grant.playerId, name: rotation.grant.name }, rotation.refreshToken);
  });
};

export default auth;
