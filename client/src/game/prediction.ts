import { movePlayer, type ArenaRules, type Axis, type Point } from '../../../shared/rules/arena';
import type { InputMessage } from '../../../shared/protocol';

/** Inputs kept for replay at most: 3 s at 20 Hz. A host that stops acknowledging must not grow this forever. */
const MAX_PENDING = 60;
/** Corrections larger than this are teleports (respawn, node move): snap instead of gliding. */
const SNAP_DISTANCE = 96;
/** Time constant of the glide that hides small corrections. */
const CORRECTION_MS = 90;

/**
 * Client-side prediction for the local player: every fixed step runs the same
 * `movePlayer` rule the server runs, and every server patch resets to the
 * authoritative position and replays the inputs the server has not applied yet.
 */
export class Predictor {
  readonly pos: Point = { x: 0, y: 0 };
  /** Position one step ago, for rendering between steps. */
  readonly prev: Point = { x: 0, y: 0 };
  /** Visual-only offset that decays to zero, so a correction glides rather than jumps. */
  readonly offset: Point = { x: 0, y: 0 };
  #pending: InputMessage[] = [];
  #seq = 0;
  #ready = false;

  constructor(private readonly rules: ArenaRules, public dtSeconds: number) {}

  get ready(): boolean {
    return this.#ready;
  }

  get pendingCount(): number {
    return this.#pending.length;
  }

  /** One fixed step of local input. Returns the message to send. */
  step(dx: Axis, dy: Axis, simulate: boolean): InputMessage {
    const input: InputMessage = { seq: ++this.#seq, dx, dy };
    this.prev.x = this.pos.x;
    this.prev.y = this.pos.y;
    if (simulate) movePlayer(this.pos, dx, dy, this.dtSeconds, this.rules);
    this.#pending.push(input);
    if (this.#pending.length > MAX_PENDING) this.#pending.shift();
    return input;
  }

  /** A step with no input: nothing moves, so rendering stops blending from the last move. */
  hold(): void {
    this.prev.x = this.pos.x;
    this.prev.y = this.pos.y;
  }

  /** Server says the player is at (x, y) after applying input `ack`. */
  reconcile(x: number, y: number, ack: number, simulate: boolean): void {
    this.#pending = this.#pending.filter((i) => i.seq > ack);
    if (!this.#ready) {
      this.#ready = true;
      this.#set(x, y);
      this.prev.x = x;
      this.prev.y = y;
      return;
    }
    const beforeX = this.pos.x;
    const beforeY = this.pos.y;
    this.#set(x, y);
    if (simulate) for (const i of this.#pending) movePlayer(this.pos, i.dx, i.dy, this.dtSeconds, this.rules);
    const ddx = this.pos.x - beforeX;
    const ddy = this.pos.y - beforeY;
    if (ddx === 0 && ddy === 0) return;
    this.prev.x += ddx;
    this.prev.y += ddy;
    if (Math.hypot(ddx, ddy) > SNAP_DISTANCE) {
      this.offset.x = 0;
      this.offset.y = 0;
    } else {
      this.offset.x -= ddx;
      this.offset.y -= ddy;
    }
  }

  /** Where to draw the player: between the last two steps (`alpha` in [0, 1]) plus the decaying correction. */
  render(alpha: number, frameMs: number, out: Point): Point {
    const decay = Math.exp(-frameMs / CORRECTION_MS);
    this.offset.x *= decay;
    this.offset.y *= decay;
    out.x = this.prev.x + (this.pos.x - this.prev.x) * alpha + this.offset.x;
    out.y = this.prev.y + (this.pos.y - this.prev.y) * alpha + this.offset.y;
    return out;
  }

  #set(x: number, y: number): void {
    this.pos.x = x;
    this.pos.y = y;
  }
}
