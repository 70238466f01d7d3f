/**
 * The one error model of Statecraft, shared by the servers, the browser and the
 * bots: one registry of stable codes and one error class. A code is the same
 * string on every side (`auth/expired`, `room/lost`); each edge (the API's
 * error handler, the control endpoint, a room's `error` message) maps codes to
 * its own transport. A code is listed here only if something produces it.
 */
export const ErrorCodes = {
  // Room messages (sent as the `error` message by a game node).
  messageInvalid: 'message/invalid',
  messageUnknown: 'message/unknown',

  // Identity.
  authRequired: 'auth/required',
  authInvalid: 'auth/invalid',
  authExpired: 'auth/expired',

  // Requests to the API.
  requestInvalid: 'request/invalid',
  requestTooLarge: 'request/too-large',
  requestUnsupported: 'request/unsupported-media-type',
  routeNotFound: 'route/not-found',
  /** Too many requests from one IP (every route). */
  rateLimited: 'rate/limited',
  /** Too many guest sessions started from one IP (POST /v1/auth/guest). */
  rateGuestLimited: 'rate/guest-limited',
  /** Too many matchmaking requests from one player (POST /v1/matchmake). */
  rateMatchmakeLimited: 'rate/matchmake-limited',
  /** The player already caused as many live rooms to be created as allowed. */
  rateRoomsLimited: 'rate/rooms-limited',
  /** Too many concurrent WebSocket connections from one IP to one game node (refused at the upgrade). */
  rateConnectionsLimited: 'rate/connections-limited',
  leaderboardNotFound: 'leaderboard/not-found',
  playerNotRanked: 'leaderboard/not-ranked',

  // The store.
  redisUnavailable: 'redis/unavailable',

  // Matchmaking and rooms.
  matchmakeNoNodes: 'matchmake/no-nodes',
  matchmakeFailed: 'matchmake/failed',
  /** The room is gone for good (stateful room whose host died, or no checkpoint left). */
  roomLost: 'room/lost',
  /** Another caller is restoring the room right now: retry shortly. */
  roomRestoring: 'room/restoring',

  /** A match's results from a copy of its room that no longer holds the room's epoch: refused. */
  resultsStale: 'results/stale-epoch',

  // The supervisor's control endpoint.
  controlUnauthorized: 'control/unauthorized',
  controlInvalid: 'control/invalid',
  controlUnknownTarget: 'control/unknown-target',
  controlNotFound: 'control/not-found',
  controlFailed: 'control/failed',

  // Client side: raised by the shared client library, never sent by a server.
  /** No API instance answered (network error or every instance down). */
  apiUnreachable: 'api/unreachable',
  /** Following a moved or restored room did not succeed in time. */
  rejoinTimeout: 'rejoin/timeout',

  internal: 'server/internal',
} as const;

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

const KNOWN = new Set<string>(Object.values(ErrorCodes));

/** Whether `code` is one of ours (a payload from the network may carry anything). */
export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && KNOWN.has(code);
}

/**
 * The root of every error we throw: a stable code, a message written for a
 * person, and the `cause` it wraps (kept, so logs show the whole chain).
 */
export class CodedError<C extends ErrorCode = ErrorCode> extends Error {
  constructor(readonly code: C, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}
