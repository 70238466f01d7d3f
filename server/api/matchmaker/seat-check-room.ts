import { Room, ServerError } from '@colyseus/core';
import type { TokenService } from '../../common/tokens';
import { authenticateSeat, type Seat } from '../../cluster/seats';

/** The message of the refusal below: the matchmaker retries a seat that met it (see colyseus.ts). */
export const NO_ROOMS_HERE = 'An API process hosts no rooms';

/**
 * What the API registers under the arena room's name. Colyseus runs a room
 * type's static `onAuth` on the process that answers matchmaking, so the
 * standalone matchmaker needs a class to call it on; it never hosts a room
 * (rooms are created on game nodes), so this one has no body. Keeping it here
 * keeps the room, its rules and its schema out of the stateless API.
 */
export function seatCheckRoom(tokens: TokenService): new () => Room {
  return class SeatCheckRoom extends Room {
    // Colyseus calls static onAuth unbound, so the token service is captured here.
    static override async onAuth(token: string, options: unknown): Promise<Seat> {
      return authenticateSeat(tokens, token, options);
    }

    // When a create request to the chosen game node times out (it froze before its
    // key lapsed), Colyseus creates the room in the caller's own process instead:
    // here, where nobody can reach it. Refuse, so the seat is retried on a live node.
    override onCreate(_options: unknown): void {
      throw new ServerError(503, `${NO_ROOMS_HERE}: the chosen game node did not answer.`);
    }
  };
}
