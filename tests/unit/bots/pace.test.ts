import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PACE_SLOTS, paced } from '../../../server/bots/pace';

describe('paced: one timer for many clients, spread over the tick', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'performance'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('has every client act once per tick, each in its own tenth of it', () => {
    const acted: number[][] = Array.from({ length: 25 }, () => []);
    const stop = paced(50, () => acted.length, (i) => acted[i]!.push(performance.now()));
    vi.advanceTimersByTime(1000);
    stop();
    for (const times of acted) expect(times.length).toBeGreaterThanOrEqual(19); // 20 Hz
    for (const times of acted) expect(times.length).toBeLessThanOrEqual(21);
    // Clients in different slots act at different moments; the same slot, together.
    const phase = (i: number) => Math.round(acted[i]![5]! % 50);
    expect(new Set(acted.map((_, i) => phase(i))).size).toBe(PACE_SLOTS);
    expect(phase(3)).toBe(phase(3 + PACE_SLOTS));
    expect(Math.abs(phase(0) - phase(5))).toBeGreaterThanOrEqual(20);
  });

  it('takes in clients that join later, and stops when told', () => {
    const counts = new Map<number, number>();
    let n = 3;
    const stop = paced(50, () => n, (i) => counts.set(i, (counts.get(i) ?? 0) + 1));
    vi.advanceTimersByTime(500);
    n = 6;
    vi.advanceTimersByTime(500);
    expect(counts.get(0)).toBeGreaterThanOrEqual(19);
    expect(counts.get(5)).toBeGreaterThanOrEqual(9);
    expect(counts.get(5)).toBeLessThanOrEqual(11);
    stop();
    const before = [...counts.values()].reduce((a, b) => a + b, 0);
    vi.advanceTimersByTime(500);
    expect([...counts.values()].reduce((a, b) => a + b, 0)).toBe(before);
  });
});
