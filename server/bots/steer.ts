import { DEFAULT_RULES, type ArenaRules, type Axis, type OrbLike, type Point } from '../../shared/rules/arena';

/**
 * Where a bot steers: towards the orb worth the most per pixel of travel
 * (a golden orb twice as far away still beats a plain one). Pure: same
 * inputs, same answer. Returns the input axes to send; (0, 0) when there is
 * nothing to chase. `deadZone` keeps it from jittering once aligned on an axis.
 */
export function steer(me: Point, orbs: Iterable<OrbLike>, rules: ArenaRules = DEFAULT_RULES, deadZone = 4): { dx: Axis; dy: Axis } {
  let best: OrbLike | null = null;
  let bestValue = -1;
  for (const orb of orbs) {
    const distance = Math.hypot(orb.x - me.x, orb.y - me.y) + 1;
    const value = (orb.golden ? rules.goldenScore : rules.orbScore) / distance;
    if (value > bestValue) {
      bestValue = value;
      best = orb;
    }
  }
  if (!best) return { dx: 0, dy: 0 };
  return { dx: axis(best.x - me.x, deadZone), dy: axis(best.y - me.y, deadZone) };
}

function axis(delta: number, deadZone: number): Axis {
  return delta > deadZone ? 1 : delta < -deadZone ? -1 : 0;
}
