import type { Point } from '../../../shared/rules/arena';

/** How far behind the newest snapshot other players are drawn: two patches at 20 Hz. */
export const INTERPOLATION_DELAY_MS = 100;
const KEEP_MS = 1000;

interface Sample {
  t: number;
  x: number;
  y: number;
}

/**
 * Timestamped server positions of one remote player, sampled in the past so
 * there are always two snapshots to blend between: smooth motion at a 20 Hz
 * patch rate, at the cost of showing others ~100 ms late.
 */
export class SnapshotBuffer {
  #samples: Sample[] = [];

  push(t: number, x: number, y: number): void {
    this.#samples.push({ t, x, y });
    const cutoff = t - KEEP_MS;
    while (this.#samples.length > 2 && this.#samples[0]!.t < cutoff) this.#samples.shift();
  }

  /** Position at time `t` (usually now - INTERPOLATION_DELAY_MS). Holds the ends instead of extrapolating. */
  sample(t: number, out: Point): Point | null {
    const s = this.#samples;
    const first = s[0];
    const last = s[s.length - 1];
    if (!first || !last) return null;
    if (t <= first.t) return assign(out, first);
    if (t >= last.t) return assign(out, last);
    for (let i = s.length - 1; i > 0; i--) {
      const a = s[i - 1]!;
      const b = s[i]!;
      if (a.t <= t) {
        const k = b.t === a.t ? 1 : (t - a.t) / (b.t - a.t);
        out.x = a.x + (b.x - a.x) * k;
        out.y = a.y + (b.y - a.y) * k;
        return out;
      }
    }
    return assign(out, first);
  }
}

function assign(out: Point, s: Sample): Point {
  out.x = s.x;
  out.y = s.y;
  return out;
}
