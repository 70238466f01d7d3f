import { describe, expect, it } from 'vitest';
import { ClientMessages } from '../../../shared/protocol';
import { Rng } from '../../../shared/rules/rng';
import { checkInput } from '../../../server/game/rooms/input';

/** Values near every edge the schema draws: types, integers, bounds, axes. */
function randomValue(rng: Rng, depth = 0): unknown {
  const pool: (() => unknown)[] = [
    () => rng.int(5) - 2, // -2..2: axes and just outside
    () => rng.int(3) - 1,
    () => [0, 1, 2, 0xffffffff, 0xffffffff + 1, 2 ** 53, -1, 1.5, 0.999, -0, NaN, Infinity, -Infinity, Number.MAX_SAFE_INTEGER][rng.int(14)],
    () => rng.range(-10, 10),
    () => 1 + rng.int(0xffffffff),
    () => ['1', '', 'x', '-1'][rng.int(4)],
    () => [true, false, null, undefined][rng.int(4)],
    () => BigInt(rng.int(3)),
    () => (depth < 2 ? randomMessage(rng, depth + 1) : {}),
    () => (depth < 2 ? [randomValue(rng, depth + 1)] : []),
  ];
  return pool[rng.int(pool.length)]!();
}

function randomMessage(rng: Rng, depth = 0): unknown {
  const roll = rng.int(20);
  if (roll === 0) return randomValue(rng, depth + 1); // not an object at all, often
  if (roll === 1) return Object.assign(Object.create(null) as object, { seq: 1, dx: 0, dy: 0 });
  if (roll === 2) return new Date(0);
  const out: Record<string, unknown> = {};
  // Mostly well-formed, so both verdicts are well represented.
  if (rng.next() < 0.9) out.seq = rng.next() < 0.7 ? 1 + rng.int(1000) : randomValue(rng, depth);
  if (rng.next() < 0.9) out.dx = rng.next() < 0.7 ? rng.int(3) - 1 : randomValue(rng, depth);
  if (rng.next() < 0.9) out.dy = rng.next() < 0.7 ? rng.int(3) - 1 : randomValue(rng, depth);
  if (rng.next() < 0.1) out[['extra', 'x', '__proto__', 'Seq'][rng.int(4)]!] = randomValue(rng, depth);
  if (rng.next() < 0.03) out.extra = undefined;
  return out;
}

describe('checkInput (the hand-written input check)', () => {
  it('agrees with the zod schema on seeded random messages', () => {
    for (const seed of [1, 2, 3, 42, 1234]) {
      const rng = new Rng(seed);
      let accepted = 0;
      for (let i = 0; i < 20_000; i++) {
        const message = randomMessage(rng);
        const zod = ClientMessages.input.safeParse(message);
        const ours = checkInput(message);
        if (zod.success !== (ours !== null)) {
          throw new Error(`seed ${seed} #${i}: zod ${zod.success ? 'accepts' : 'refuses'} ${String(JSON.stringify(message, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v)))}, checkInput does not`);
        }
        if (zod.success) {
          accepted++;
          expect(ours).toEqual(zod.data);
        }
      }
      // Both verdicts were exercised, in numbers.
      expect(accepted).toBeGreaterThan(2000);
      expect(accepted).toBeLessThan(18_000);
    }
  });

  it('holds the edges: bounds of seq, axes, extra and missing keys', () => {
    expect(checkInput({ seq: 1, dx: -1, dy: 1 })).toEqual({ seq: 1, dx: -1, dy: 1 });
    expect(checkInput({ seq: 0xffffffff, dx: 0, dy: 0 })).not.toBeNull();
    for (const bad of [
      { seq: 0, dx: 0, dy: 0 }, { seq: 0xffffffff + 1, dx: 0, dy: 0 }, { seq: 1.5, dx: 0, dy: 0 }, { seq: '1', dx: 0, dy: 0 },
      { seq: 1, dx: 2, dy: 0 }, { seq: 1, dx: 0, dy: 0.5 }, { seq: 1, dx: 0 }, { seq: 1, dx: 0, dy: 0, x: 1 },
      [1, 0, 0], null, 'input', 7,
    ]) {
      expect(checkInput(bad), JSON.stringify(bad)).toBeNull();
      expect(ClientMessages.input.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
    }
  });
});
