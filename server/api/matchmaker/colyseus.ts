import '../../common/websocket-global';
import { ServerError, createAuthContext, matchMaker } from '@colyseus/core';
import { ARENA_ROOM, ROOM_MODES, type RoomMode } from '../../../shared/protocol';
import type { RoomStatus } from '../../../shared/api';
import type { PlayerIdentity } from '../../common/tokens';
import type { SeatReservation } from '../../../shared/api';
import { MatchmakeError, type Matchmaker } from './index';

/** A matchmaking request that takes longer than this has met a stalled node or Redis: fail rather than hang. */
const SEAT_TIMEOUT_MS = 8000;

/**
 * The Colyseus matchmaker this process has set up: its own (one process, game
 * node and API together) or the standalone one from `startStandaloneMatchmaker`.
 */
export function processMatchmaker(close: () => Promise<void> = async () => {}): Matchmaker {
  return {
    async seat(player: PlayerIdentity, mode: RoomMode, accessToken: string, ip?: string): Promise<SeatReservation> {
      const auth = createAuthContext({ headers: {}, token: accessToken, remoteAddress: ip });
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new MatchmakeError('failed', `Matchmaking took longer than ${SEAT_TIMEOUT_MS} ms.`)), SEAT_TIMEOUT_MS);
      });
      try {
        const seat = matchMaker.joinOrCreate(ARENA_ROOM, { name: player.name, mode }, auth);
        seat.catch(() => {}); // the timeout may win; the late rejection must not go unhandled
        return (await Promise.race([seat, timeout])) as SeatReservation;
      } catch (err) {
        throw toMatchmakeError(err);
      } finally {
        clearTimeout(timer);
      }
    },

    async rooms(): Promise<RoomStatus[]> {
      const listings = await matchMaker.query({ name: ARENA_ROOM });
      return listings.map((room) => {
        const meta = (room.metadata ?? {}) as { mode?: string; nodeId?: string };
        const mode = (ROOM_MODES as readonly string[]).includes(meta.mode ?? '') ? meta.mode as RoomMode : 'stateful';
        return { id: room.roomId, mode, nodeId: meta.nodeId ?? room.processId, players: room.clients };
      });
    },

    close,
  };
}

function toMatchmakeError(err: unknown): Error {
  if (err instanceof MatchmakeError) return err;
  if (err instanceof ServerError && err.code === 401) return new MatchmakeError('auth', err.message);
  return new MatchmakeError('failed', err instanceof Error ? err.message : String(err));
}
