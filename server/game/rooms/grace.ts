import type { Room } from '@colyseus/core';
import type { ArenaState, PlayerState } from '../../../shared/schema';
import { copyPlayer } from './snapshot';

/** How long a dropped player's place (score, position) is kept in a checkpointed room for them to rejoin. */
export const REJOIN_GRACE_MS = 20_000;

/**
 * Keeps dropped players' places in a checkpointed room for {@link REJOIN_GRACE_MS}:
 * they come back (to this copy, or to a restored one) as their own player,
 * score and position intact. An empty room still awaiting someone is kept
 * alive until their grace ends, then disposes as usual.
 */
export class RejoinGrace {
  constructor(
    private readonly room: Room<{ state: ArenaState }>,
    /** A copy that is going away must not be kept alive by anyone's grace. */
    private readonly leaving: () => boolean,
  ) {}

  /** `sessionId` dropped without consent: keep their place for a while. */
  hold(sessionId: string, player: PlayerState): void {
    player.connected = false;
    this.expireLater(sessionId, player.playerId);
  }

  /** Every player in the state (restored from a checkpoint, all disconnected) gets their grace. */
  holdAll(): void {
    this.room.state.players.forEach((p, sessionId) => this.expireLater(sessionId, p.playerId));
  }

  /** The player's own place, if they are coming back to it (removed from under its old session id). */
  takeBack(playerId: string): PlayerState | undefined {
    let player: PlayerState | undefined;
    this.room.state.players.forEach((p, sessionId) => {
      if (player || p.connected || p.playerId !== playerId) return;
      player = copyPlayer(p, true);
      player.ack = 0; // the new connection numbers its inputs afresh
      this.room.state.players.delete(sessionId);
    });
    return player;
  }

  /** Keeps an empty room alive while anyone is within their grace. */
  update(): void {
    if (this.leaving()) return;
    let awaited = false;
    this.room.state.players.forEach((p) => {
      awaited ||= !p.connected;
    });
    if (this.room.autoDispose === awaited) this.room.autoDispose = !awaited;
  }

  private expireLater(sessionId: string, playerId: string): void {
    this.room.clock.setTimeout(() => {
      const p = this.room.state.players.get(sessionId);
      if (p && !p.connected && p.playerId === playerId) this.room.state.players.delete(sessionId);
      this.update();
    }, REJOIN_GRACE_MS);
    this.update();
  }
}
