import fp from 'fastify-plugin';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { TokenError } from '../../../common/tokens';
import { unauthorized } from '../../errors';
import { ErrorCodes } from '../../../../shared/errors';

const BEARER = 'Bearer ';

/**
 * Bearer-token authentication. Verification is a pure CPU check with a cached
 * KeyObject (no Redis, no allocation beyond the JWT decode), so an
 * authenticated route costs little more than an open one.
 */
async function auth(fastify: FastifyInstance): Promise<void> {
  fastify.decorateRequest('player', null);
  fastify.decorate('authenticate', async (request: FastifyRequest) => {
    const header = request.headers.authorization;
    if (!header?.startsWith(BEARER)) {
      throw unauthorized(ErrorCodes.authRequired, 'Log in first (POST /v1/auth/guest) and send Authorization: Bearer <accessToken>.');
    }
    try {
      request.player = fastify.tokens.verify(header.slice(BEARER.length));
    } catch (err) {
      if (err instanceof TokenError) throw unauthorized(err.code, err.message, { cause: err });
      throw err;
    }
  });
}

export default fp(auth, { name: 'auth', fastify: '5.x', dependencies: ['services'] });

/** The bearer's raw access token (routes behind `authenticate` only). */
export function bearerToken(request: FastifyRequest): string {
  return (request.headers.authorization ?? '').slice(BEARER.length);
}
