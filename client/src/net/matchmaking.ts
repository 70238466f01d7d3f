import type { MatchmakeBody, MatchmakeResult, RejoinResult } from '../../../shared/api';
import type { RoomMode } from '../../../shared/protocol';
import { GameConnection, type JoinOptions } from './connection';
import type { SessionStore } from './session';

/** What a player asks the matchmaker for. */
export interface MatchRequest {
  name: string;
  mode: RoomMode;
  /** Seats per room; players asking the same size share rooms (the API's default when absent). */
  maxPlayers?: number;
}

/** Login (or reuse the session), ask any API instance for a seat, then take it on the game node. */
export async function findMatch(sessions: SessionStore, request: MatchRequest, join: JoinOptions = {}): Promise<GameConnection> {
  await sessions.ensure(request.name);
  const body: MatchmakeBody = { mode: request.mode, ...(request.maxPlayers ? { maxPlayers: request.maxPlayers } : {}) };
  const { reservation } = await sessions.authorized<MatchmakeResult>('POST', '/v1/matchmake', { body });
  return GameConnection.join(reservation, join);
}

/**
 * Asks any API instance where checkpointed room `roomId` lives now, with a seat there: it restores
 * the room from its last checkpoint if its host is dead and nobody has yet.
 */
export function askRoom(sessions: SessionStore, roomId: string): Promise<RejoinResult> {
  return sessions.authorized<RejoinResult>('POST', `/v1/rooms/${encodeURIComponent(roomId)}/rejoin`, { route: 'POST /v1/rooms/:roomId/rejoin' });
}

/**
 * One attempt at following a checkpointed room: ask for it (askRoom), then take the seat. Retried
 * by `followRoom` (net/rejoin.ts). `seatAt` (on join.now's clock) splits the time it took.
 */
export async function rejoinRoom(sessions: SessionStore, roomId: string, join: JoinOptions = {}): Promise<{ result: RejoinResult; connection: GameConnection; seatAt: number }> {
  const result = await askRoom(sessions, roomId);
  // When the API answered: the rest is the join. (A browser's performance.now must be called on performance.)
  const seatAt = join.now ? join.now() : performance.now();
  const connection = await GameConnection.join(result.reservation, join);
  return { result, connection, seatAt };
}
