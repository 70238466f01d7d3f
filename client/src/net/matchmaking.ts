import type { MatchmakeBody, MatchmakeResult } from '../../../shared/api';
import type { RoomMode } from '../../../shared/protocol';
import { GameConnection } from './connection';
import type { SessionStore } from './session';

/** Login (or reuse the session), ask any API instance for a seat, then take it on the game node. */
export async function findMatch(sessions: SessionStore, name: string, mode: RoomMode): Promise<GameConnection> {
  await sessions.ensure(name);
  const body: MatchmakeBody = { mode };
  const { reservation } = await sessions.authorized<MatchmakeResult>('POST', '/v1/matchmake', { body });
  return GameConnection.join(reservation);
}
