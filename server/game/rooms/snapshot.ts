import { Decoder } from '@colyseus/schema';
import { ArenaState, OrbState, PlayerState } from '../../../shared/schema';

/** What a checkpoint holds beside the synced state. */
export interface SnapshotMeta {
  /** Seeded RNG state, so orbs keep spawning where they would have. */
  rng: number;
  mode: 'checkpointed';
  /** Seats in the room. */
  maxPlayers: number;
}

/** Decodes a checkpoint's state (written by ArenaRoom.encodeSnapshot). */
export function decodeState(bytes: Uint8Array): ArenaState {
  const state = new ArenaState();
  new Decoder(state).decode(bytes);
  return state;
}

/**
 * Copies a decoded checkpoint into a fresh room's state. Players come back
 * disconnected, under their old session ids, until they rejoin by player id.
 */
export function restoreInto(target: ArenaState, saved: ArenaState): void {
  target.phase = saved.phase;
  target.match = saved.match;
  target.timeLeftMs = saved.timeLeftMs;
  target.tick = saved.tick;
  target.orbs.clear();
  saved.orbs.forEach((o, id) => {
    const orb = new OrbState();
    orb.x = o.x;
    orb.y = o.y;
    orb.golden = o.golden;
    target.orbs.set(id, orb);
  });
  target.players.clear();
  saved.players.forEach((p, sessionId) => {
    target.players.set(sessionId, copyPlayer(p, false));
  });
}

export function copyPlayer(p: PlayerState, connected: boolean): PlayerState {
  const copy = new PlayerState();
  copy.playerId = p.playerId;
  copy.name = p.name;
  copy.color = p.color;
  copy.x = p.x;
  copy.y = p.y;
  copy.score = p.score;
  copy.ack = p.ack;
  copy.connected = connected;
  return copy;
}
