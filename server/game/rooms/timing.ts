import type { Room } from '@colyseus/core';

export interface StepHooks {
  /** One fixed step of `dtMs`. */
  step(dtMs: number): void;
  /** A new frame of the loop began `gapMs` after the previous one (catch-up steps within a frame run back to back). */
  frame(gapMs: number): void;
  /** Each step's duration, ms (the tick histogram). */
  observeTick?: ((ms: number) => void) | undefined;
  /** How much later than one step period after the previous frame the loop ran, ms. */
  observeLateness?: ((ms: number) => void) | undefined;
}

/**
 * Runs `hooks.step` at `tickRate` on the room's clock (Colyseus's fixed-step
 * API: it dies with the room and catches up after a stall), and measures each
 * frame's gap: how late the loop ran, and whether this process was frozen.
 */
export function runFixedStep(room: Room, tickRate: number, hooks: StepHooks): void {
  const dtMs = 1000 / tickRate;
  let frameAt = 0;
  let lastStepAt = 0;
  room.setFixedTimestep((step) => {
    const t0 = performance.now();
    if (t0 - lastStepAt > dtMs / 2) {
      const gap = frameAt > 0 ? t0 - frameAt : dtMs;
      if (frameAt > 0) hooks.observeLateness?.(Math.max(0, gap - dtMs));
      hooks.frame(gap);
      frameAt = t0;
    }
    lastStepAt = t0;
    hooks.step(step.dtMs);
    hooks.observeTick?.(performance.now() - t0);
  }, tickRate);
}
