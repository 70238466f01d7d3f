import { ErrorCodes } from '../../../shared/errors';
import { ApiRequestError, ApiUnavailableError } from '../net/api';

/** One sentence a player can act on, whatever failed along the login → matchmake → join path. */
export function describeError(err: unknown): string {
  if (err instanceof ApiUnavailableError) return err.message;
  if (err instanceof ApiRequestError) {
    if (err.code === ErrorCodes.redisUnavailable) return 'The store is unreachable: login and matchmaking are paused until it is back. Try again in a moment.';
    if (err.code.startsWith('auth/')) return `Could not sign you in: ${err.message}`;
    if (err.status >= 500) return 'The server had a problem finding you a match. Try again.';
    return err.message;
  }
  // Anything else came from the game node's SDK (a seat that could not be taken).
  if (err instanceof Error && err.name !== 'Error') return `Could not reach the game server (${err.message || err.name}).`;
  if (err instanceof Error) return `Could not join the match: ${err.message}`;
  return 'Something went wrong. Try again.';
}
