import { ServerError } from '@colyseus/core';
import { JoinOptions, type RoomMode } from '../../shared/protocol';
import { ErrorCodes } from '../../shared/errors';
import { TokenError, type PlayerIdentity, type TokenService } from '../common/tokens';

/** Join options rooms are matched on: a player asking for a checkpointed room of 10 gets one. */
export const ARENA_FILTERS = ['mode', 'maxPlayers'];

/** What a seat carries from matchmaking to the host (Colyseus's `client.auth`). */
export interface Seat {
  identity: PlayerIdentity;
  name: string;
}

/** Options an arena room is created with (by matchmaking, a restore or a hand-off). */
export interface ArenaCreateOptions {
  mode?: RoomMode;
  /** Seats in the room (validated by the join options; capped by the rules). */
  maxPlayers?: number;
  /** Internal (never from a client: join options are strict): restore this room id from its checkpoint. */
  restore?: string;
}

/**
 * Runs on the process that answered matchmaking (an API instance, or a game
 * node in one-process mode): checks the join options and the access token.
 * Colyseus turns the thrown ServerError into the seat request's failure.
 */
export function authenticateSeat(tokens: TokenService, token: string, options: unknown): Seat {
  const parsed = JoinOptions.safeParse(options ?? {});
  if (!parsed.success) {
    throw new ServerError(400, `Invalid join options: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'options'}: ${i.message}`).join('; ')}`);
  }
  const raw = token || parsed.data.token;
  if (!raw) throw new ServerError(401, `${ErrorCodes.authRequired}: log in first (POST /v1/auth/guest).`);
  try {
    const identity = tokens.verify(raw);
    return { identity, name: parsed.data.name || identity.name };
  } catch (err) {
    if (err instanceof TokenError) throw new ServerError(401, `${err.code}: ${err.message}`, { cause: err });
    throw err;
  }
}
