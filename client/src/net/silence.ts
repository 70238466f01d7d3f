import { HEARTBEAT } from '../../../shared/protocol';

/**
 * Decides when a host's silence means it is gone (see HEARTBEAT). A check that
 * runs late means this process stalled (a busy tab, a loaded machine, a long
 * GC): what the host sent meanwhile may still be queued behind the check (Node
 * runs due timers before it reads sockets), so a silence found by a late check
 * is judged once more at the next check, after the queue drained. A host that
 * is really silent is called so one check (`checkMs`) later.
 */
export class SilenceWatch {
  #checkedAt: number | null = null;
  #doubted = false;

  constructor(
    readonly silenceMs: number = HEARTBEAT.silenceMs,
    readonly checkMs: number = HEARTBEAT.checkMs,
  ) {}

  /** Called at least every `checkMs`: true when the host, last heard at `heardAt`, has gone silent. */
  silent(now: number, heardAt: number): boolean {
    const late = this.#checkedAt !== null && now - this.#checkedAt > 2 * this.checkMs;
    this.#checkedAt = now;
    if (now - heardAt <= this.silenceMs) {
      this.#doubted = false;
      return false;
    }
    if (late && !this.#doubted) {
      this.#doubted = true;
      return false;
    }
    return true;
  }
}
