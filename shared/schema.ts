import { schema, t, type SchemaType } from '@colyseus/schema';

/**
 * Synced state of one arena room, declared once here and imported by the
 * server (to mutate) and the client (for its types). Builder syntax, not
 * decorators: decorators fight Vite/esbuild.
 */
export const PlayerState = schema({
  /** Stable player id from the login token: survives reconnects and node moves. */
  playerId: t.string().default(''),
  name: t.string().default(''),
  color: t.string().default(''),
  x: t.float32().default(0),
  y: t.float32().default(0),
  score: t.uint16().default(0),
  /** Sequence number of the last input the server applied (for reconciliation). */
  ack: t.uint32().default(0),
  connected: t.boolean().default(false),
}, 'PlayerState');
export type PlayerState = SchemaType<typeof PlayerState>;

export const OrbState = schema({
  x: t.float32().default(0),
  y: t.float32().default(0),
  golden: t.boolean().default(false),
}, 'OrbState');
export type OrbState = SchemaType<typeof OrbState>;

export const ArenaState = schema({
  /** 'playing' | 'results' (see shared/rules/arena.ts `Phase`). */
  phase: t.string().default(''),
  /** Counts matches played in this room, from 1. */
  match: t.uint16().default(0),
  timeLeftMs: t.uint32().default(0),
  /** Fixed steps simulated since the room was created. */
  tick: t.uint32().default(0),
  /** Keyed by Colyseus session id. */
  players: t.map(PlayerState),
  /** Keyed by a room-local orb id. */
  orbs: t.map(OrbState),
}, 'ArenaState');
export type ArenaState = SchemaType<typeof ArenaState>;
