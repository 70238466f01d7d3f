import { advanceClock, movePlayer, orbValue, spawnOrb, touches, type ArenaRules, type Axis, type OrbLike, type Point, type Phase } from './arena';
import type { Rng } from './rng';

/** One player's intent for one step: a direction and the input's sequence number. */
export interface StepInput {
  seq: number;
  dx: Axis;
  dy: Axis;
}

/** What the step reads and writes of a player (the synced `PlayerState` fits). */
export interface StepPlayer extends Point {
  score: number;
  /** Sequence number of the last input applied (the client reconciles against it). */
  ack: number;
}

/**
 * What the step reads and writes of a room: the synced `ArenaState` fits, so
 * the server steps its schema state in place and the client can step a copy.
 */
export interface ArenaWorld<P extends StepPlayer = StepPlayer> {
  phase: string;
  match: number;
  timeLeftMs: number;
  tick: number;
  players: { forEach(fn: (player: P, key: string) => void): void };
}

const probe: Point = { x: 0, y: 0 };

/** What one step did beyond moving things, for the caller to act on (results, broadcasts). */
export type StepEvent = 'none' | 'match-ended' | 'match-started';

/**
 * One fixed step of the arena, the only place the match advances. Pure but for
 * `rng` (seeded, part of every checkpoint): the same world, inputs and RNG
 * state always give the same result. Mutates `world` and `orbs` in place
 * without allocating: it runs for every room 20 times a second.
 *
 * - Each player applies at most one input (`nextInput`), so nobody outruns the
 *   speed limit however fast they send.
 * - Between matches inputs are acknowledged but nobody moves or scores.
 * - An orb a player touches scores and respawns in place.
 * - When the clock runs out a match ends (`match-ended`); when the results
 *   screen runs out the next one starts with scores reset (`match-started`).
 */
export function stepArena<P extends StepPlayer>(
  world: ArenaWorld<P>,
  orbs: readonly OrbLike[],
  nextInput: (key: string) => StepInput | undefined,
  dtMs: number,
  rng: Rng,
  rules: ArenaRules,
): StepEvent {
  world.tick++;
  const playing = world.phase === 'playing';
  const dt = dtMs / 1000;
  world.players.forEach((player, key) => {
    const input = nextInput(key);
    if (!input) return;
    player.ack = input.seq;
    if (!playing) return;
    movePlayer(player, input.dx, input.dy, dt, rules);
    // A plain copy: schema fields are accessors, and this loop reads them once per orb.
    probe.x = player.x;
    probe.y = player.y;
    for (const orb of orbs) {
      if (!touches(probe, orb, rules)) continue;
      player.score += orbValue(orb, rules);
      spawnOrb(rng, rules, orb);
    }
  });

  const clock = advanceClock(world.phase as Phase, world.timeLeftMs, dtMs, rules);
  world.timeLeftMs = clock.timeLeftMs;
  if (!clock.changed) return 'none';
  world.phase = clock.phase;
  if (clock.phase === 'results') return 'match-ended';
  world.match++;
  world.players.forEach((player) => {
    player.score = 0;
  });
  return 'match-started';
}

/** A player as the final standings list them. */
export interface Standing {
  playerId: string;
  name: string;
  score: number;
}

/**
 * Final standings of a match, best first (ties by name, so every copy of the
 * room orders them the same), each player once: a player seen under two keys
 * (a rejoin that came back as a new seat) keeps their best score.
 */
export function standings(world: ArenaWorld<StepPlayer & { playerId: string; name: string }>): Standing[] {
  const best = new Map<string, Standing>();
  world.players.forEach((p) => {
    const seen = best.get(p.playerId);
    if (!seen || p.score > seen.score) best.set(p.playerId, { playerId: p.playerId, name: p.name, score: p.score });
  });
  return [...best.values()].sort((a, b) => b.score - a.score || a.name.localeCompare(b.name));
}
