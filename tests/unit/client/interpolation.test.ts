import { describe, expect, it } from 'vitest';
import { INTERPOLATION_DELAY_MS, SnapshotBuffer } from '../../../client/src/game/interpolation';

const out = () => ({ x: NaN, y: NaN });

describe('SnapshotBuffer', () => {
  it('has nothing to draw before the first snapshot', () => {
    expect(new SnapshotBuffer().sample(1000, out())).toBeNull();
  });

  it('blends linearly between the two snapshots around the sample time', () => {
    const b = new SnapshotBuffer();
    b.push(1000, 0, 0);
    b.push(1050, 100, 50);
    expect(b.sample(1025, out())).toEqual({ x: 50, y: 25 });
    expect(b.sample(1010, out())).toEqual({ x: 20, y: 10 });
  });

  it('picks the right pair among many', () => {
    const b = new SnapshotBuffer();
    for (let i = 0; i <= 10; i++) b.push(1000 + i * 50, i * 10, 0);
    expect(b.sample(1000 + 3 * 50 + 25, out())?.x).toBeCloseTo(35);
  });

  it('holds the ends instead of extrapolating', () => {
    const b = new SnapshotBuffer();
    b.push(1000, 10, 20);
    b.push(1050, 30, 40);
    expect(b.sample(900, out())).toEqual({ x: 10, y: 20 });
    expect(b.sample(2000, out())).toEqual({ x: 30, y: 40 });
  });

  it('handles two snapshots with the same timestamp', () => {
    const b = new SnapshotBuffer();
    b.push(1000, 0, 0);
    b.push(1000, 10, 10);
    b.push(1050, 20, 20);
    expect(b.sample(1000, out())).toEqual({ x: 0, y: 0 });
    expect(b.sample(1025, out())).toEqual({ x: 15, y: 15 });
  });

  it('forgets snapshots older than a second, but always keeps two to blend', () => {
    const b = new SnapshotBuffer();
    b.push(0, 0, 0);
    b.push(50, 5, 0);
    b.push(5000, 100, 0);
    b.push(5050, 105, 0);
    // Only the newest two stay: sampling before them holds the oldest kept one.
    expect(b.sample(25, out())?.x).toBe(100);
    expect(b.sample(5025, out())?.x).toBeCloseTo(102.5);
    const c = new SnapshotBuffer();
    c.push(0, 0, 0);
    c.push(5000, 100, 0); // only two: both kept
    expect(c.sample(2500, out())?.x).toBeCloseTo(50);
  });

  it('draws others a fixed delay in the past: two patches at 20 Hz', () => {
    expect(INTERPOLATION_DELAY_MS).toBe(100);
  });
});
