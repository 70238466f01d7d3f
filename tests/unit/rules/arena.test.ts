import { describe, expect, it } from 'vitest';
import {
  DEFAULT_RULES, PALETTE, advanceClock, movePlayer, orbValue, pickColor, spawnOrb, spawnPoint, touches,
  type OrbLike,
} from '../../../shared/rules/arena';
import { Rng } from '../../../shared/rules/rng';

const rules = DEFAULT_RULES;
const dt = 1 / 20;

describe('Rng', () => {
  it('replays the same sequence from the same seed and state', () => {
    const a = new Rng(42);
    const b = new Rng(42);
    const seqA = Array.from({ length: 5 }, () => a.next());
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(seqA);
    const resumed = new Rng(a.state);
    expect(resumed.next()).toBe(a.next());
  });

  it('stays in [0, 1)', () => {
    const rng = new Rng(7);
    for (let i = 0; i < 10_000; i++) {
      const v = rng.next();
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThan(1);
    }
  });
});

describe('movePlayer', () => {
  it('moves one step at the rules speed', () => {
    const p = { x: 500, y: 400 };
    movePlayer(p, 1, 0, dt, rules);
    expect(p).toEqual({ x: 500 + rules.playerSpeed * dt, y: 400 });
  });

  it('is no faster diagonally than straight', () => {
    const p = { x: 500, y: 400 };
    movePlayer(p, 1, 1, dt, rules);
    expect(Math.hypot(p.x - 500, p.y - 400)).toBeCloseTo(rules.playerSpeed * dt, 6);
  });

  it('keeps the player inside the arena', () => {
    const p = { x: rules.playerRadius + 1, y: rules.height - rules.playerRadius - 1 };
    for (let i = 0; i < 50; i++) movePlayer(p, -1, 1, dt, rules);
    expect(p).toEqual({ x: rules.playerRadius, y: rules.height - rules.playerRadius });
  });

  it('does nothing without a direction', () => {
    const p = { x: 10, y: 10 };
    movePlayer(p, 0, 0, dt, rules);
    expect(p).toEqual({ x: 10, y: 10 });
  });
});

describe('orbs', () => {
  it('spawn deterministically from a seed, inside the arena', () => {
    const a: OrbLike = { x: 0, y: 0, golden: false };
    const b: OrbLike = { x: 0, y: 0, golden: false };
    const ra = new Rng(99);
    const rb = new Rng(99);
    for (let i = 0; i < 200; i++) {
      spawnOrb(ra, rules, a);
      spawnOrb(rb, rules, b);
      expect(a).toEqual(b);
      expect(a.x).toBeGreaterThanOrEqual(rules.orbRadius);
      expect(a.x).toBeLessThanOrEqual(rules.width - rules.orbRadius);
      expect(a.y).toBeGreaterThanOrEqual(rules.orbRadius);
      expect(a.y).toBeLessThanOrEqual(rules.height - rules.orbRadius);
    }
  });

  it('are golden about as often as the rules say', () => {
    const rng = new Rng(1);
    const orb: OrbLike = { x: 0, y: 0, golden: false };
    let golden = 0;
    for (let i = 0; i < 20_000; i++) golden += spawnOrb(rng, rules, orb).golden ? 1 : 0;
    expect(golden / 20_000).toBeCloseTo(rules.goldenChance, 1);
  });

  it('score +1 or +5 and are touched within the sum of the radii', () => {
    expect(orbValue({ x: 0, y: 0, golden: false }, rules)).toBe(1);
    expect(orbValue({ x: 0, y: 0, golden: true }, rules)).toBe(5);
    const reach = rules.playerRadius + rules.orbRadius;
    expect(touches({ x: 0, y: 0 }, { x: reach, y: 0 }, rules)).toBe(true);
    expect(touches({ x: 0, y: 0 }, { x: reach + 0.01, y: 0 }, rules)).toBe(false);
  });
});

describe('match clock', () => {
  it('runs the match, then the results, then a new match', () => {
    let clock = { phase: 'playing' as const as 'playing' | 'results', timeLeftMs: 100, changed: false };
    clock = advanceClock(clock.phase, clock.timeLeftMs, 50, rules);
    expect(clock).toEqual({ phase: 'playing', timeLeftMs: 50, changed: false });
    clock = advanceClock(clock.phase, clock.timeLeftMs, 50, rules);
    expect(clock).toEqual({ phase: 'results', timeLeftMs: rules.resultsMs, changed: true });
    clock = advanceClock('results', 10, 50, rules);
    expect(clock).toEqual({ phase: 'playing', timeLeftMs: rules.matchMs, changed: true });
  });
});

describe('players', () => {
  it('get distinct colours while the palette lasts', () => {
    const taken: string[] = [];
    for (let i = 0; i < PALETTE.length; i++) taken.push(pickColor(taken));
    expect(new Set(taken).size).toBe(PALETTE.length);
  });

  it('spawn away from the walls', () => {
    const rng = new Rng(3);
    const p = { x: 0, y: 0 };
    for (let i = 0; i < 100; i++) {
      spawnPoint(rng, rules, p);
      expect(p.x).toBeGreaterThanOrEqual(rules.playerRadius * 4);
      expect(p.y).toBeLessThanOrEqual(rules.height - rules.playerRadius * 4);
    }
  });
});
