import type { StoreNotice } from '../../../shared/protocol';
import type { ArenaContext } from '../context';
import type { CheckpointedCopy } from './fencing';

/** While the store is unreachable, players hear how long their room has gone unsaved this often. */
const REPEAT_MS = 1000;

/**
 * Tells a room's players where it stands with the store ({@link StoreNotice}):
 * on each change (of the store's reach, or of the room being paused: the store
 * may answer a moment before the fence check lets play resume), every second
 * while the store is unreachable, and to anyone who joins meanwhile. Stateful rooms hear it too: they play on, and the page
 * says why.
 */
export class StoreNotices {
  #last: Pick<StoreNotice, 'store' | 'paused'> = { store: 'ok', paused: false };
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
      paused: copy ? copy.pausedForStore && !copy.leaving : false,
    };
  }

  /** Called every frame of the room's loop. */
  frame(): void {
    const notice = this.current();
    const now = performance.now();
    const changed = notice.store !== this.#last.store || notice.paused !== this.#last.paused;
    if (!changed && (notice.store === 'ok' || now - this.#sentAt < REPEAT_MS)) return;
    this.#last = { store: notice.store, paused: notice.paused };
    this.#sentAt = now;
    this.send(notice);
  }
}
