import { timingSafeEqual } from 'node:crypto';
import cors from '@fastify/cors';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ApiError } from '../../shared/api';
import { CodedError, ErrorCodes } from '../../shared/errors';
import { FAULTS, FaultError, type Cluster } from './cluster';
import { FaultBody, FaultDone, FencingBody, FencingDone, NetworkState, ProcessList } from './control-schemas';

export interface ControlAppOptions {
  cluster: Cluster;
  /** The bearer token the supervisor generated at boot. */
  token: string;
  /** Web origins allowed to call it from a page (the game's own). */
  allowOrigins: string[];
}

/** `{"fault": "kill", "target": "node-1"}` is about 40 bytes: anything near this limit is not a fault request. */
export const CONTROL_BODY_LIMIT = 1024;

const PARSE_ERRORS = new Set(['FST_ERR_CTP_INVALID_JSON_BODY', 'FST_ERR_CTP_EMPTY_JSON_BODY', 'FST_ERR_CTP_INVALID_CONTENT_LENGTH']);
const errors = { 400: ApiError, 401: ApiError, 500: ApiError };

/**
 * The supervisor's control endpoint as a Fastify plugin (it never listens:
 * `startControlServer` does). Fault injection for the page and the chaos CLI:
 *   GET  /processes                  → the processes and their states (and the store, `redis`)
 *   POST /faults {fault, target, ms?} → inject a process or network fault
 *   GET  /network                    → fencing on or off, and the active network faults
 *   POST /fencing {on}               → switch fencing on every game node at runtime
 * Every request needs the token, because this can kill processes.
 */
const controlApp: FastifyPluginAsyncTypebox<ControlAppOptions> = async (fastify, { cluster, token, allowOrigins }) => {
  // Registered first: CORS answers preflights (which carry no Authorization header) before the token check.
  await fastify.register(cors, {
    origin: allowOrigins,
    methods: ['GET', 'POST'],
    allowedHeaders: ['authorization', 'content-type'],
    // Any OPTIONS gets its 204, as the endpoint always answered.
    strictPreflight: false,
  });

  const expected = Buffer.from(`Bearer ${token}`);
  fastify.addHook('onRequest', async (request: FastifyRequest) => {
    const auth = Buffer.from(request.headers.authorization ?? '');
    // Constant-time: the token is the only thing between a page and SIGKILL.
    if (auth.length !== expected.length || !timingSafeEqual(auth, expected)) {
      throw new CodedError(ErrorCodes.controlUnauthorized, 'The control endpoint needs the token the supervisor printed at start.');
    }
  });

  fastify.setErrorHandler((err: FastifyError | Error, _request, reply) => send(reply, toControlError(err)));
  fastify.setNotFoundHandler((_request, reply) =>
    send(reply, { code: ErrorCodes.controlNotFound, message: 'Try GET /processes, POST /faults, GET /network or POST /fencing.', statusCode: 404 }));

  fastify.get('/processes', { schema: { response: { 200: ProcessList, ...errors } } }, async () => ({
    processes: [
      ...cluster.list().map((c) => ({ id: c.spec.id, kind: c.spec.kind, port: c.spec.port, pid: c.pid ?? null, state: c.state, lastExit: c.lastExit })),
      ...(cluster.store ? [cluster.store.info()] : []),
    ],
  }));

  fastify.post('/faults', {
    schema: { body: FaultBody, response: { 200: FaultDone, 409: ApiError, 413: ApiError, 415: ApiError, ...errors } },
  }, async (request) => {
    const at = Date.now();
    const { fault, target, ms } = request.body;
    const message = await cluster.inject(fault, target, ms === undefined ? {} : { ms });
    return { ok: true as const, message, at };
  });

  fastify.get('/network', { schema: { response: { 200: NetworkState, ...errors } } }, async () => ({
    fencing: cluster.fencing,
    faults: cluster.networkFaults(),
  }));

  fastify.post('/fencing', {
    schema: { body: FencingBody, response: { 200: FencingDone, 413: ApiError, 415: ApiError, ...errors } },
  }, async (request) => {
    const at = Date.now();
    const message = await cluster.setFencing(request.body.on);
    return { ok: true as const, message, at, fencing: cluster.fencing };
  });
};

export default controlApp;

/** Maps anything thrown to the `{code, message, statusCode}` the page and the CLI read. */
function toControlError(err: FastifyError | Error): ApiError {
  if (err instanceof FaultError) return { code: err.code, message: err.message, statusCode: 409 };
  if (err instanceof CodedError && err.code === ErrorCodes.controlUnauthorized) return { code: err.code, message: err.message, statusCode: 401 };
  const fe = err as FastifyError;
  if (fe.validation) {
    return { code: ErrorCodes.controlInvalid, message: `Send {"fault": one of ${FAULTS.join(', ')}, "target": a process id or redis, "ms": 1-5000 for slow}, or {"on": true|false} to /fencing (${fe.message}).`, statusCode: 400 };
  }
  if (fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    return { code: ErrorCodes.requestTooLarge, message: `Request body is larger than ${CONTROL_BODY_LIMIT} bytes.`, statusCode: 413 };
  }
  if ((fe.code && PARSE_ERRORS.has(fe.code)) || (err instanceof SyntaxError && fe.statusCode === 400)) {
    return { code: ErrorCodes.requestInvalid, message: `Malformed JSON body: send {"fault": "kill", "target": "node-1"}.`, statusCode: 400 };
  }
  if (fe.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    return { code: ErrorCodes.requestUnsupported, message: 'Send JSON (Content-Type: application/json).', statusCode: 415 };
  }
  if (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500) return { code: ErrorCodes.requestInvalid, message: fe.message, statusCode: fe.statusCode };
  // Loopback and token-protected: the operator is the only reader, so the reason is shown (a restart that failed says why).
  return { code: ErrorCodes.controlFailed, message: err.message, statusCode: 500 };
}

function send(reply: FastifyReply, body: ApiError): FastifyReply {
  return reply.code(body.statusCode).send(body);
}
