/** Slots a tick is cut into: each client acts in one of them, so a tick's sends go out in tenths. */
export const PACE_SLOTS = 10;

/**
 * Calls `act(i)` for each of `count()` clients once per `tickMs`, from one timer, with the
 * clients spread over the tick: client i acts in slot i mod {@link PACE_SLOTS}. Real players'
 * clocks are not in step, so their inputs reach a server spread over the tick; one timer acting
 * for every client at once sent a thousand inputs in one burst, and the server's rooms whose
 * step fell due behind that burst ran up to its length late (tick lateness, the bench's
 * measure). Slots are kept on a clock, not counted per callback: a late callback catches up
 * (at most one tick's worth), so each client still acts `1000 / tickMs` times a second.
 * Returns a stop function.
 */
export function paced(tickMs: number, count: () => number, act: (i: number) => void): () => void {
  const slotMs = tickMs / PACE_SLOTS;
  const startedAt = performance.now();
  let done = 0;
  const timer = setInterval(() => {
    const due = Math.floor((performance.now() - startedAt) / slotMs);
    done = Math.max(done, due - PACE_SLOTS + 1); // further behind than a tick: drop the backlog
    for (; done <= due; done++) {
      const n = count();
      for (let i = done % PACE_SLOTS; i < n; i += PACE_SLOTS) act(i);
    }
  }, slotMs);
  return () => clearInterval(timer);
}
