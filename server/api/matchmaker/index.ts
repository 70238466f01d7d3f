import type { RejoinResult, RoomStatus, SeatReservation } from '../../../shared/api';
import type { RoomMode } from '../../../shared/protocol';
import { CodedError, type ErrorCodes } from '../../../shared/errors';
import type { PlayerIdentity } from '../../common/tokens';

export type { SeatReservation } from '../../../shared/api';

/**
 * Seats players on game nodes. The API's only view of Colyseus: a standalone
 * matchmaker over Redis in cluster mode, or the process's own matchmaker when
 * the game node and the API share one process.
 */
export interface Matchmaker {
  /** A seat in a `mode` room with space, created on a live game node if needed. Throws {@link MatchmakeError}. */
  seat(player: PlayerIdentity, mode: RoomMode, accessToken: string, ip?: string, maxPlayers?: number): Promise<SeatReservation>;
  /**
   * A seat back in checkpointed room `roomId`, restoring it on a live node first
   * if its host died. Throws `RoomUnavailableError` (room/lost, room/restoring).
   */
  rejoin(player: PlayerIdentity, roomId: string, accessToken: string, ip?: string): Promise<RejoinResult>;
  /** Every room the cluster lists. */
  rooms(): Promise<RoomStatus[]>;
  close(): Promise<void>;
}

export type MatchmakeErrorCode = typeof ErrorCodes.matchmakeNoNodes | typeof ErrorCodes.authInvalid | typeof ErrorCodes.matchmakeFailed
  | typeof ErrorCodes.rateRoomsLimited;

/**
 * No seat: no game node is up (`matchmake/no-nodes`), the seat's auth failed (`auth/invalid`),
 * the player already caused as many live rooms to be created as allowed (`rate/rooms-limited`),
 * or anything else (`matchmake/failed`).
 */
export class MatchmakeError extends CodedError<MatchmakeErrorCode> {}
