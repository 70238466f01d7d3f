import type { StoreNotice } from '../../../shared/protocol';
import type { ArenaContext } from '../context';
import type { CheckpointedCopy } from './fencing';

/** While the store is unreachable, players hear how long their room has gone unsaved this often. */
const REPEAT_MS = 1000;

/**
 * Tells a room's players where it stands with the store ({@link StoreNotice}):
 * on each change, every second while the store is unreachable, and to anyone
 * who joins meanwhile. Stateful rooms hear it too: they play on, and the page
 * says why.
 */
export class StoreNotices {
  #last: StoreNotice['store'] = 'ok';
  #sentAt = 0;

  constructor(
    private readonly ctx: ArenaContext,
    private readonly copy: () => CheckpointedCopy | null,
    private readonly send: (notice: StoreNotice) => void,
  ) {}

  /** Where the room stands now. */
  current(): StoreNotice {
    const copy = this.copy();
    const unreachable = copy ? copy.status === 'store-lost' || (copy.status === 'checking' && !this.ctx.lease.held) : !this.ctx.lease.held;
    return {
      store: unreachable ? 'unreachable' : 'ok',
      unsavedMs: copy ? Math.round(copy.unsavedMs) : null,
      paused: copy ? !copy.canPlay && !copy.leaving : false,
    };
  }

  /** Called every frame of the room's loop. */
  frame(): void {
    const notice = this.current();
    const now = performance.now();
    if (notice.store === this.#last && (notice.store === 'ok' || now - this.#sentAt < REPEAT_MS)) return;
    this.#last = notice.store;
    this.#sentAt = now;
    this.send(notice);
  }
}
