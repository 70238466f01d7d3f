import fp from 'fastify-plugin';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type ApiError } from '../../../../shared/api';
import { RedisUnavailableError } from '../../../common/redis';
import { TokenError } from '../../../common/tokens';
import { ApiHttpError } from '../../errors';
import { MatchmakeError } from '../../matchmaker';
import { RoomUnavailableError } from '../../../cluster/failover';
import { ErrorCodes } from '../../../../shared/errors';

/** A room cap frees up when one of the player's rooms ends: worth a retry after a short while, not at once. */
const ROOMS_RETRY_AFTER_S = 10;

const PARSE_ERRORS = new Set(['FST_ERR_CTP_INVALID_JSON_BODY', 'FST_ERR_CTP_EMPTY_JSON_BODY', 'FST_ERR_CTP_INVALID_CONTENT_LENGTH']);

/** Maps anything thrown to the `{code, message, statusCode}` a client sees. */
function toApiError(err: FastifyError | Error, bodyLimit: number): ApiError & { retryAfter?: number } {
  if (err instanceof ApiHttpError) {
    const body = { code: err.code, message: err.message, statusCode: err.statusCode };
    return err.retryAfterSeconds === undefined ? body : { ...body, retryAfter: err.retryAfterSeconds };
  }
  if (err instanceof TokenError) return { code: err.code, message: err.message, statusCode: 401 };
  if (err instanceof RoomUnavailableError) {
    return err.code === 'room/lost'
      ? { code: ErrorCodes.roomLost, message: err.message, statusCode: 410 }
      : { code: ErrorCodes.roomRestoring, message: err.message, statusCode: 409 };
  }
  if (err instanceof MatchmakeError) {
    if (err.code === ErrorCodes.matchmakeNoNodes) return { code: err.code, message: err.message, statusCode: 503 };
    if (err.code === ErrorCodes.authInvalid) return { code: err.code, message: err.message, statusCode: 401 };
    if (err.code === ErrorCodes.rateRoomsLimited) return { code: err.code, message: err.message, statusCode: 429, retryAfter: ROOMS_RETRY_AFTER_S };
    return { code: err.code, message: 'Matchmaking failed; try again in a moment.', statusCode: 503 };
  }
  if (err instanceof RedisUnavailableError) {
    return { code: err.code, message: 'Storage is unavailable right now; try again in a moment.', statusCode: 503 };
  }
  const fe = err as FastifyError;
  if (fe.validation) return { code: ErrorCodes.requestInvalid, message: `Invalid request: ${fe.message}`, statusCode: 400 };
  if (fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    return { code: ErrorCodes.requestTooLarge, message: `Request body is larger than ${bodyLimit} bytes.`, statusCode: 413 };
  }
  if (fe.code && PARSE_ERRORS.has(fe.code) || (err instanceof SyntaxError && fe.statusCode === 400)) {
    return { code: ErrorCodes.requestInvalid, message: `Malformed JSON body: ${fe.message}`, statusCode: 400 };
  }
  if (fe.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    return { code: ErrorCodes.requestUnsupported, message: 'Send JSON (Content-Type: application/json).', statusCode: 415 };
  }
  if (fe.statusCode === 429) return { code: ErrorCodes.rateLimited, message: 'Too many requests; slow down.', statusCode: 429 };
  if (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500) {
    return { code: ErrorCodes.requestInvalid, message: fe.message, statusCode: fe.statusCode };
  }
  return { code: ErrorCodes.internal, message: 'Internal error.', statusCode: 500 };
}

/**
 * Errors Fastify raises before routing (a malformed URL, a path parameter
 * longer than the router allows), which never reach the error handler: the
 * same `{code, message, statusCode}`, so no response leaves without a code.
 */
export function frameworkErrors(err: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  const body: ApiError = err.code === 'FST_ERR_MAX_PARAM_LENGTH'
    ? { code: ErrorCodes.requestInvalid, message: 'A path parameter is longer than allowed.', statusCode: 414 }
    : { code: ErrorCodes.requestInvalid, message: 'Malformed URL.', statusCode: 400 };
  void reply.code(body.statusCode).send(body);
}

/** The one error handler: stable codes for clients, context in the log, no 5xx internals in responses. */
async function errors(fastify: FastifyInstance): Promise<void> {
  fastify.setErrorHandler((err: FastifyError | Error, request, reply) => {
    const { retryAfter, ...body } = toApiError(err, fastify.initialConfig.bodyLimit ?? 0);
    // A 503 is a fault the cluster already reports once (the store watch: one WARN per transition;
    // node-watch: each death), so each refusal is a debug line, not a log line per request.
    if (body.statusCode === 503) request.log.debug({ code: body.code, msg: err.message }, 'request refused: try again');
    else if (body.statusCode >= 500) request.log.error({ err, code: body.code }, 'request failed');
    else request.log.debug({ code: body.code, msg: err.message }, 'request refused');
    if (retryAfter !== undefined) reply.header('retry-after', String(retryAfter));
    else if (body.statusCode === 503) reply.header('retry-after', '1');
    return reply.code(body.statusCode).send(body);
  });
  fastify.setNotFoundHandler((request, reply) => {
    const body: ApiError = { code: ErrorCodes.routeNotFound, message: `No route ${request.method} ${request.url}.`, statusCode: 404 };
    return reply.code(404).send(body);
  });
}

export default fp(errors, { name: 'errors', fastify: '5.x' });
