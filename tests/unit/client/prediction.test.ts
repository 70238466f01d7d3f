import { describe, expect, it } from 'vitest';
import { Predictor } from '../../../client/src/game/prediction';
import { DEFAULT_RULES, movePlayer, type Point } from '../../../shared/rules/arena';

const rules = DEFAULT_RULES;
const dt = 1 / 20;
/** Distance one step covers at the rules' speed. */
const STEP = (() => {
  const p = { x: 400, y: 400 };
  movePlayer(p, 1, 0, dt, rules);
  return p.x - 400;
})();

function ready(x = 400, y = 300): Predictor {
  const p = new Predictor(rules, dt);
  p.reconcile(x, y, 0, true);
  return p;
}

describe('Predictor', () => {
  it('is not ready until the first server position, then starts exactly there', () => {
    const p = new Predictor(rules, dt);
    expect(p.ready).toBe(false);
    p.reconcile(120, 80, 0, true);
    expect(p.ready).toBe(true);
    expect(p.pos).toEqual({ x: 120, y: 80 });
    expect(p.prev).toEqual({ x: 120, y: 80 });
    expect(p.offset).toEqual({ x: 0, y: 0 });
  });

  it('numbers inputs from 1, moves locally with the server rule, and keeps them until acknowledged', () => {
    const p = ready();
    const a = p.step(1, 0, true);
    const b = p.step(0, 1, true);
    expect([a.seq, b.seq]).toEqual([1, 2]);
    expect(a).toEqual({ seq: 1, dx: 1, dy: 0 });
    expect(p.pos.x).toBeCloseTo(400 + STEP);
    expect(p.pos.y).toBeCloseTo(300 + STEP);
    expect(p.prev.x).toBeCloseTo(400 + STEP); // one step ago
    expect(p.pendingCount).toBe(2);
  });

  it('does not move when simulation is off (between matches) but still queues the input', () => {
    const p = ready();
    p.step(1, 1, false);
    expect(p.pos).toEqual({ x: 400, y: 300 });
    expect(p.pendingCount).toBe(1);
  });

  it('reconciles: resets to the server position and replays only the inputs it has not applied', () => {
    const p = ready();
    for (let i = 0; i < 3; i++) p.step(1, 0, true);
    const predicted = p.pos.x;
    // The server applied input 1 and agrees with us: nothing visible changes.
    p.reconcile(400 + STEP, 300, 1, true);
    expect(p.pendingCount).toBe(2);
    expect(p.pos.x).toBeCloseTo(predicted);
    expect(p.offset.x).toBeCloseTo(0);
  });

  it('hides a small disagreement behind a decaying offset, so the drawn position does not jump', () => {
    const p = ready();
    p.step(1, 0, true);
    const drawnBefore = p.render(1, 0, { x: 0, y: 0 }).x;
    // The server says input 1 left us 10 px further left than predicted (say, blocked by something).
    p.reconcile(400 + STEP - 10, 300, 1, true);
    expect(p.pos.x).toBeCloseTo(400 + STEP - 10);
    expect(p.offset.x).toBeCloseTo(10);
    expect(p.render(1, 0, { x: 0, y: 0 }).x).toBeCloseTo(drawnBefore);
    // The offset decays towards zero over later frames.
    const out: Point = { x: 0, y: 0 };
    for (let i = 0; i < 30; i++) p.render(1, 16, out);
    expect(Math.abs(p.offset.x)).toBeLessThan(0.1);
    expect(out.x).toBeCloseTo(400 + STEP - 10, 0);
  });

  it('snaps instead of gliding when the correction is a teleport (respawn, a room restored elsewhere)', () => {
    const p = ready();
    p.step(1, 0, true);
    p.reconcile(900, 500, 1, true);
    expect(p.pos).toEqual({ x: 900, y: 500 });
    expect(p.offset).toEqual({ x: 0, y: 0 });
  });

  it('renders between the last two steps', () => {
    const p = ready();
    p.step(1, 0, true);
    const half = p.render(0.5, 0, { x: 0, y: 0 });
    expect(half.x).toBeCloseTo(400 + STEP / 2);
    p.hold();
    expect(p.render(0.5, 0, { x: 0, y: 0 }).x).toBeCloseTo(400 + STEP);
  });

  it('bounds the replay queue when the host stops acknowledging', () => {
    const p = ready();
    for (let i = 0; i < 200; i++) p.step(1, 0, false);
    expect(p.pendingCount).toBe(60);
  });

  it('a fresh predictor after a recovery numbers its inputs from 1 again and takes the restored position', () => {
    const old = ready();
    for (let i = 0; i < 5; i++) old.step(1, 0, true);
    const fresh = new Predictor(rules, dt);
    fresh.reconcile(420, 300, 0, true); // the new host resets ack to 0
    expect(fresh.pos).toEqual({ x: 420, y: 300 });
    expect(fresh.step(0, 1, true).seq).toBe(1);
  });
});
