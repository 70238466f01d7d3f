import { describe, expect, it } from 'vitest';
import { SilenceWatch } from '../../../client/src/net/silence';

/** Runs checks every `everyMs` from `from` to `to` (inclusive) against a host last heard at `heardAt`; the first check that calls it silent. */
function firstSilentCheck(watch: SilenceWatch, heardAt: number, from: number, to: number, everyMs: number): number | null {
  for (let t = from; t <= to; t += everyMs) if (watch.silent(t, heardAt)) return t;
  return null;
}

describe('SilenceWatch: when a silent host is called gone', () => {
  it('checks on time: silent the first check past silenceMs, never before', () => {
    const watch = new SilenceWatch(1000, 100);
    expect(firstSilentCheck(watch, 0, 0, 3000, 100)).toBe(1100);
  });

  it('a host heard again is not silent, and a later silence is judged afresh', () => {
    const watch = new SilenceWatch(1000, 100);
    expect(firstSilentCheck(watch, 0, 0, 900, 100)).toBeNull();
    expect(firstSilentCheck(watch, 950, 1000, 1900, 100)).toBeNull();
    expect(firstSilentCheck(watch, 950, 2000, 3000, 100)).toBe(2000);
  });

  it('a late check (this process stalled) does not judge: what the host sent may be queued behind it', () => {
    const watch = new SilenceWatch(1000, 100);
    expect(watch.silent(0, 0)).toBe(false);
    // The client stalls 1.2 s; the check runs before the patches that arrived meanwhile are read.
    expect(watch.silent(1200, 0)).toBe(false);
    // They are read at once: the host was never silent.
    expect(watch.silent(1300, 1250)).toBe(false);
  });

  it('a host that is silent after a late check is called gone at the next one', () => {
    const watch = new SilenceWatch(1000, 100);
    expect(watch.silent(0, 0)).toBe(false);
    expect(watch.silent(1200, 0)).toBe(false);
    expect(watch.silent(1300, 0)).toBe(true);
  });

  it('every check late (a background tab throttled to 1 s): one check of doubt, then gone', () => {
    const watch = new SilenceWatch(1000, 100);
    // 1000: not yet past silenceMs; 2000: past it, but late, so in doubt; 3000: gone.
    expect(firstSilentCheck(watch, 0, 0, 5000, 1000)).toBe(3000);
  });
});
