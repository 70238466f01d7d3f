import { Room } from '@colyseus/core';
import type { TokenService } from '../../common/tokens';
import { authenticateSeat, type Seat } from '../../cluster/seats';

/**
 * What the API registers under the arena room's name. Colyseus runs a room
 * type's static `onAuth` on the process that answers matchmaking, so the
 * standalone matchmaker needs a class to call it on; it never hosts a room
 * (rooms are created on game nodes), so this one has no body. Keeping it here
 * keeps the room, its rules and its schema out of the stateless API.
 */
export function seatCheckRoom(tokens: TokenService): typeof Room {
  return class SeatCheckRoom extends Room {
    // Colyseus calls static onAuth unbound, so the token service is captured here.
    static override async onAuth(token: string, options: unknown): Promise<Seat> {
      return authenticateSeat(tokens, token, options);
    }
  };
}
