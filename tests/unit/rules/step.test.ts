import { describe, expect, it } from 'vitest';
import { DEFAULT_RULES, spawnOrb, type Axis, type OrbLike } from '../../../shared/rules/arena';
import { Rng } from '../../../shared/rules/rng';
import { standings, stepArena, type ArenaWorld, type StepInput, type StepPlayer } from '../../../shared/rules/step';

const rules = DEFAULT_RULES;
const DT_MS = 50;

interface TestPlayer extends StepPlayer {
  playerId: string;
  name: string;
}

function world(players: Record<string, Partial<TestPlayer>>, phase = 'playing', timeLeftMs = rules.matchMs) {
  const map = new Map<string, TestPlayer>();
  for (const [key, p] of Object.entries(players)) {
    map.set(key, { playerId: key, name: key, x: 500, y: 400, score: 0, ack: 0, ...p });
  }
  const w: ArenaWorld<TestPlayer> & { players: Map<string, TestPlayer> } = { phase, match: 1, timeLeftMs, tick: 0, players: map };
  return w;
}

function orbsFrom(rng: Rng, n = rules.maxOrbs): OrbLike[] {
  return Array.from({ length: n }, () => spawnOrb(rng, rules, { x: 0, y: 0, golden: false }));
}

/** Per-player input queues, consumed one per step as the room does. */
function queues(inputs: Record<string, StepInput[]>) {
  const q = new Map(Object.entries(inputs).map(([k, v]) => [k, [...v]]));
  return (key: string) => q.get(key)?.shift();
}

const axes: Axis[] = [-1, 0, 1];

describe('stepArena', () => {
  it('moves each player by at most one input per step, whatever they send (seeded property)', () => {
    for (let seed = 1; seed <= 200; seed++) {
      const rng = new Rng(seed);
      const w = world({ a: { x: rng.range(20, 1260), y: rng.range(20, 780) } });
      const orbs = orbsFrom(new Rng(seed + 1000));
      // A burst of up to 10 inputs queued per step: a speed hack would apply them all.
      let seq = 0;
      const pending: StepInput[] = [];
      for (let step = 0; step < 60; step++) {
        const burst = Math.floor(rng.next() * 10);
        for (let i = 0; i < burst; i++) pending.push({ seq: ++seq, dx: axes[Math.floor(rng.next() * 3)]!, dy: axes[Math.floor(rng.next() * 3)]! });
        const p = w.players.get('a')!;
        const before = { x: p.x, y: p.y };
        stepArena(w, orbs, () => pending.shift(), DT_MS, rng, rules);
        const moved = Math.hypot(p.x - before.x, p.y - before.y);
        expect(moved).toBeLessThanOrEqual(rules.playerSpeed * (DT_MS / 1000) + 1e-9);
        expect(p.x).toBeGreaterThanOrEqual(rules.playerRadius);
        expect(p.x).toBeLessThanOrEqual(rules.width - rules.playerRadius);
        expect(p.y).toBeGreaterThanOrEqual(rules.playerRadius);
        expect(p.y).toBeLessThanOrEqual(rules.height - rules.playerRadius);
      }
    }
  });

  it('acknowledges the input it applied, and only that one', () => {
    const w = world({ a: {} });
    const next = queues({ a: [{ seq: 3, dx: 1, dy: 0 }, { seq: 4, dx: 1, dy: 0 }] });
    stepArena(w, [], next, DT_MS, new Rng(1), rules);
    expect(w.players.get('a')!.ack).toBe(3);
    stepArena(w, [], next, DT_MS, new Rng(1), rules);
    expect(w.players.get('a')!.ack).toBe(4);
    expect(w.tick).toBe(2);
  });

  it('replays exactly from the same world, inputs and RNG state (seeded property)', () => {
    for (let seed = 1; seed <= 50; seed++) {
      const run = () => {
        const rng = new Rng(seed);
        const w = world({ a: { x: 100, y: 100 }, b: { x: 1000, y: 600 } });
        const orbs = orbsFrom(rng);
        const dir = new Rng(seed * 7);
        const pick = (): StepInput => ({ seq: 1, dx: axes[Math.floor(dir.next() * 3)]!, dy: axes[Math.floor(dir.next() * 3)]! });
        for (let i = 0; i < 400; i++) stepArena(w, orbs, pick, DT_MS, rng, rules);
        return { players: [...w.players.values()], orbs, rng: rng.state, tick: w.tick };
      };
      expect(run()).toEqual(run());
    }
  });

  it('scores an orb a player touches and respawns it in place', () => {
    const orb: OrbLike = { x: 512, y: 400, golden: true };
    const w = world({ a: { x: 500, y: 400 } });
    stepArena(w, [orb], () => ({ seq: 1, dx: 1, dy: 0 }), DT_MS, new Rng(9), rules);
    expect(w.players.get('a')!.score).toBe(rules.goldenScore);
    expect(orb.x !== 512 || orb.y !== 400).toBe(true);
  });

  it('between matches acknowledges inputs but nobody moves or scores', () => {
    const orb: OrbLike = { x: 500, y: 400, golden: false };
    const w = world({ a: { x: 500, y: 400, score: 7 } }, 'results', rules.resultsMs);
    stepArena(w, [orb], () => ({ seq: 5, dx: 1, dy: 1 }), DT_MS, new Rng(1), rules);
    const p = w.players.get('a')!;
    expect(p).toMatchObject({ x: 500, y: 400, score: 7, ack: 5 });
  });

  it('ends a match when its clock runs out, then starts the next with scores reset', () => {
    const w = world({ a: { score: 12 } }, 'playing', DT_MS);
    expect(stepArena(w, [], () => undefined, DT_MS, new Rng(1), rules)).toBe('match-ended');
    expect(w.phase).toBe('results');
    expect(w.players.get('a')!.score).toBe(12);
    w.timeLeftMs = DT_MS;
    expect(stepArena(w, [], () => undefined, DT_MS, new Rng(1), rules)).toBe('match-started');
    expect(w).toMatchObject({ phase: 'playing', match: 2, timeLeftMs: rules.matchMs });
    expect(w.players.get('a')!.score).toBe(0);
  });
});

describe('standings', () => {
  it('lists each player once, best first, ties by name', () => {
    const w = world({ s1: { playerId: 'p1', name: 'bo', score: 5 }, s2: { playerId: 'p2', name: 'al', score: 5 }, s3: { playerId: 'p1', name: 'bo', score: 9 } });
    expect(standings(w)).toEqual([
      { playerId: 'p1', name: 'bo', score: 9 },
      { playerId: 'p2', name: 'al', score: 5 },
    ]);
  });
});
