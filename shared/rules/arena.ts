import type { Rng } from './rng';

/** Tunable rules of one arena. Pure data: the server and the client share it. */
export interface ArenaRules {
  readonly width: number;
  readonly height: number;
  readonly playerRadius: number;
  /** Pixels per second. */
  readonly playerSpeed: number;
  readonly orbRadius: number;
  readonly maxOrbs: number;
  /** Probability that a newly spawned orb is golden. */
  readonly goldenChance: number;
  readonly orbScore: number;
  readonly goldenScore: number;
  readonly matchMs: number;
  readonly resultsMs: number;
  readonly maxPlayers: number;
}

export const DEFAULT_RULES: ArenaRules = Object.freeze({
  width: 1280,
  height: 800,
  playerRadius: 18,
  playerSpeed: 240,
  orbRadius: 10,
  maxOrbs: 24,
  goldenChance: 0.08,
  orbScore: 1,
  goldenScore: 5,
  matchMs: 90_000,
  resultsMs: 6_000,
  maxPlayers: 16,
});

export interface Point {
  x: number;
  y: number;
}

export interface OrbLike extends Point {
  golden: boolean;
}

/** A direction on one axis: -1, 0 or 1. */
export type Axis = -1 | 0 | 1;

const DIAGONAL = Math.SQRT1_2;

/**
 * Moves `p` one fixed step in direction (dx, dy) at the rules' speed, clamped
 * to the arena. Mutates `p` (no allocation: this runs for every player every
 * tick). Diagonals are normalised so no direction is faster than another.
 */
export function movePlayer(p: Point, dx: Axis, dy: Axis, dtSeconds: number, rules: ArenaRules): void {
  if (dx === 0 && dy === 0) return;
  const scale = dx !== 0 && dy !== 0 ? DIAGONAL : 1;
  const step = rules.playerSpeed * dtSeconds * scale;
  p.x = clamp(p.x + dx * step, rules.playerRadius, rules.width - rules.playerRadius);
  p.y = clamp(p.y + dy * step, rules.playerRadius, rules.height - rules.playerRadius);
}

/** True when a player at `p` touches `orb`. */
export function touches(p: Point, orb: Point, rules: ArenaRules): boolean {
  const r = rules.playerRadius + rules.orbRadius;
  const dx = p.x - orb.x;
  const dy = p.y - orb.y;
  return dx * dx + dy * dy <= r * r;
}

export function orbValue(orb: OrbLike, rules: ArenaRules): number {
  return orb.golden ? rules.goldenScore : rules.orbScore;
}

/** Picks where a new orb appears and whether it is golden; writes into `out`. */
export function spawnOrb(rng: Rng, rules: ArenaRules, out: OrbLike): OrbLike {
  const m = rules.orbRadius * 2;
  out.x = Math.round(rng.range(m, rules.width - m));
  out.y = Math.round(rng.range(m, rules.height - m));
  out.golden = rng.next() < rules.goldenChance;
  return out;
}

/** Where a joining player starts: a seeded spot away from the walls. */
export function spawnPoint(rng: Rng, rules: ArenaRules, out: Point): Point {
  const m = rules.playerRadius * 4;
  out.x = Math.round(rng.range(m, rules.width - m));
  out.y = Math.round(rng.range(m, rules.height - m));
  return out;
}

/** Players' colours: distinct, readable on the dark arena. */
export const PALETTE = [
  '#ff5d73', '#4cc9f0', '#80ed99', '#ffd166', '#c77dff', '#ff9f1c', '#2ec4b6', '#f72585',
  '#90be6d', '#f9c74f', '#4895ef', '#e76f51', '#b5e48c', '#ffafcc', '#a0c4ff', '#fdffb6',
] as const;

/** The first palette colour not worn by anyone in `taken`. */
export function pickColor(taken: Iterable<string>): string {
  const used = new Set(taken);
  return PALETTE.find((c) => !used.has(c)) ?? PALETTE[used.size % PALETTE.length]!;
}

export type Phase = 'playing' | 'results';

/**
 * Advances the match clock by one step. Returns the phase the match is in
 * after the step and whether it just changed, so the room can react (record
 * results when a match ends, reset scores when the next one starts).
 */
export function advanceClock(
  phase: Phase,
  timeLeftMs: number,
  dtMs: number,
  rules: ArenaRules,
): { phase: Phase; timeLeftMs: number; changed: boolean } {
  const left = timeLeftMs - dtMs;
  if (left > 0) return { phase, timeLeftMs: left, changed: false };
  return phase === 'playing'
    ? { phase: 'results', timeLeftMs: rules.resultsMs, changed: true }
    : { phase: 'playing', timeLeftMs: rules.matchMs, changed: true };
}

function clamp(v: number, min: number, max: number): number {
  return v < min ? min : v > max ? max : v;
}
