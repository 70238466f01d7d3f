import type { StoreNotice } from '../../../shared/protocol';
import type { PausedFollowState } from '../net/pausedFollow';

/** Where the room stands with the store, as of `now`. */
export interface StoreStatusView {
  store: StoreNotice['store'];
  /** True while the host holds the room still because it cannot save it. */
  paused: boolean;
  /** Checkpointed: ms since the last save, counted on from the host's last notice. Null for a stateful room. */
  unsavedMs: number | null;
  /** Stateful: ms since this client first heard the store was unreachable (null while it is reachable). */
  unreachableMs: number | null;
  /** The last outage this seat lived through, once the store is back (null before). */
  back: { at: number; unreachableMs: number; pausedMs: number | null } | null;
}

/** What a notice changed: the store was lost, came back, or neither. */
export type StoreChange = 'lost' | 'back' | 'same';

/**
 * The host's store notices (sent on change and every second while the store
 * is unreachable), turned into live numbers: the unsaved time counts up
 * between notices, and the outage's length and how long play was paused are
 * measured on this client's clock when the store comes back. Pure: the clock
 * is passed in.
 */
export class StoreStatus {
  #notice: StoreNotice = { store: 'ok', unsavedMs: null, paused: false };
  #receivedAt = 0;
  #unreachableSince: number | null = null;
  #pausedSince: number | null = null;
  #back: StoreStatusView['back'] = null;

  update(notice: StoreNotice, now: number): StoreChange {
    const was = this.#notice.store;
    this.#notice = notice;
    this.#receivedAt = now;
    if (notice.paused) this.#pausedSince ??= now;
    if (notice.store === 'unreachable') {
      // A notice on join already carries how long the room has gone unsaved: the outage began that long ago.
      this.#unreachableSince ??= now - (notice.unsavedMs ?? 0);
      return was === 'ok' ? 'lost' : 'same';
    }
    if (was === 'unreachable') {
      this.#back = { at: now, unreachableMs: now - (this.#unreachableSince ?? now), pausedMs: null };
      this.#unreachableSince = null;
    }
    if (!notice.paused) this.resumed(now);
    return was === 'unreachable' ? 'back' : 'same';
  }

  /**
   * Play resumed: the host said so, or (it announces the store's return while the room still
   * checks by a fenced write that it is the live copy, and says nothing more when that succeeds)
   * the ticks move again. Completes the last outage's pause time; false if nothing was paused.
   */
  resumed(now: number): boolean {
    if (this.#pausedSince === null || this.#notice.store === 'unreachable') return false;
    this.#notice = { ...this.#notice, paused: false };
    if (this.#back && this.#back.pausedMs === null) this.#back = { ...this.#back, pausedMs: now - this.#pausedSince };
    this.#pausedSince = null;
    return true;
  }

  /** The store is unreachable and the room cannot save. */
  get unreachable(): boolean {
    return this.#notice.store === 'unreachable';
  }

  get paused(): boolean {
    return this.#notice.paused;
  }

  view(now: number): StoreStatusView {
    const n = this.#notice;
    const out = n.store === 'unreachable';
    return {
      store: n.store,
      paused: n.paused,
      unsavedMs: n.unsavedMs === null ? null : n.unsavedMs + (out ? Math.max(0, now - this.#receivedAt) : 0),
      unreachableMs: out && this.#unreachableSince !== null ? now - this.#unreachableSince : null,
      back: this.#back,
    };
  }
}

/** How long "store back" stays in the HUD after the store returns. */
export const STORE_BACK_NOTE_MS = 6000;

/**
 * The HUD's line about the store, in numbers (null: nothing to say). `nodeId` is the host, whose
 * memory a stateful match lives in; `follow`, the paused room's follow to a live copy (see
 * net/pausedFollow.ts), once it has asked the API.
 */
export function storeLine(v: StoreStatusView, nodeId: string | null, now: number, follow: PausedFollowState | null = null): { text: string; kind: 'warn' | 'ok' } | null {
  const secs = (ms: number) => (ms / 1000).toFixed(1);
  if (v.store === 'unreachable') {
    if (v.unsavedMs === null) {
      return { kind: 'warn', text: `store unreachable: this match lives in ${nodeId ?? 'its host'}'s memory and plays on (a crash now would lose it)` };
    }
    const unsaved = `store unreachable: not saved for ${Math.floor(v.unsavedMs / 1000)} s`;
    if (!v.paused) return { kind: 'warn', text: unsaved };
    if (!follow || follow.attempts === 0) return { kind: 'warn', text: `${unsaved} — paused so this match cannot split in two` };
    return { kind: 'warn', text: `${unsaved} — paused; ${followText(follow, now)}` };
  }
  const b = v.back;
  if (v.paused) return { kind: 'ok', text: 'store back: saved again, resuming play…' };
  if (!b || now - b.at > STORE_BACK_NOTE_MS) return null;
  if (b.pausedMs !== null) return { kind: 'ok', text: `store back: saved again (play was paused for ${secs(b.pausedMs)} s)` };
  if (v.unsavedMs !== null) return { kind: 'ok', text: `store back: saved again (unsaved for ${secs(b.unreachableMs)} s, play never paused)` };
  return { kind: 'ok', text: `store back: saved again after ${secs(b.unreachableMs)} s (results and leaderboards too)` };
}

/** The follow's part of the HUD line: under way, or why it waits and for how long. */
function followText(f: PausedFollowState, now: number): string {
  const next = f.nextAt === null ? '' : ` (asking again in ${(Math.max(0, f.nextAt - now) / 1000).toFixed(1)} s)`;
  switch (f.lastAnswer) {
    case 'store-down': return `the API cannot reach the store either: the whole cluster waits for it${next}`;
    case 'same-copy': return `the API still counts this copy as the live one${next}`;
    case 'failed': return f.nextAt === null ? 'could not follow the room: waiting here for the store' : `following the room to a live copy… (attempt ${f.attempts})${next}`;
    case 'restoring':
    case null: return `following the room to a live copy… (attempt ${f.attempts})`;
  }
}
