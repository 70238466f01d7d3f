import { describeCause, type RecoveryCause, type RecoverySummary } from '../game/recovery';
import { h, setText } from './dom';

/** How long the "back in play" card stays over the arena; the numbers stay in the session panel. */
const SHOW_RECOVERED_MS = 9000;

/**
 * Over the arena while a checkpointed session follows its room to a new node:
 * "Recovering your session…" with a live clock, then the numbers of the
 * recovery once the player is back in play.
 */
export class RecoveryBanner {
  readonly root: HTMLElement;
  #timer: ReturnType<typeof setInterval> | undefined;
  #hideTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(host: HTMLElement) {
    this.root = h('div', { class: 'recovery-banner', role: 'status', 'aria-live': 'polite', hidden: true });
    host.append(this.root);
  }

  recovering(info: { fromNode: string | null; cause: RecoveryCause; detectedMs: number; since: number }): { attempt: (n: number) => void } {
    this.#clear();
    const elapsed = h('span', { class: 'mono', 'data-testid': 'recovering-elapsed' }, '0 ms');
    const attempts = h('span', { class: 'mono', 'data-testid': 'recovering-attempts' }, '1');
    this.root.dataset.state = 'recovering';
    this.root.replaceChildren(
      h('div', { class: 'recovery-title', 'data-testid': 'recovering-banner' }, h('span', { class: 'spinner' }), 'Recovering your session…'),
      h('p', {},
        'Host ', h('strong', { class: 'mono accent' }, info.fromNode ?? '?'), ` ${describeCause(info.cause)}; noticed in `,
        h('strong', { class: 'mono' }, `${Math.round(info.detectedMs)} ms`), '. Restoring the room from its last checkpoint on a live node.'),
      h('p', { class: 'muted small' }, 'Elapsed ', elapsed, ' · rejoin attempt ', attempts));
    this.root.hidden = false;
    this.#timer = setInterval(() => setText(elapsed, `${Math.round(performance.now() - info.since)} ms`), 50);
    return { attempt: (n) => setText(attempts, String(n)) };
  }

  recovered(s: RecoverySummary): void {
    this.#clear();
    this.root.dataset.state = 'recovered';
    const planned = s.cause === 'drain';
    this.root.replaceChildren(
      h('div', { class: 'recovery-title ok', 'data-testid': 'recovered-banner' },
        planned ? 'Handed over to a new host, nothing lost' : 'Session recovered: you are back in play'),
      h('p', {}, 'Host ', h('strong', { class: 'mono' }, s.fromNode ?? '?'), ` ${describeCause(s.cause)}.`),
      recoveryList(s, 'recovery'));
    this.root.hidden = false;
    this.#hideTimer = setTimeout(() => this.hide(), SHOW_RECOVERED_MS);
  }

  hide(): void {
    this.#clear();
    this.root.hidden = true;
    this.root.replaceChildren();
  }

  #clear(): void {
    clearInterval(this.#timer);
    clearTimeout(this.#hideTimer);
  }
}

/** The recovery numbers as a definition list; `prefix` keeps test ids unique per place shown. */
export function recoveryList(s: RecoverySummary, prefix: string): HTMLElement {
  const from = s.detectedFrom === 'fault-button' ? 'after the button press' : s.detectedFrom === 'last-save' ? 'after the last save' : 'after the last message';
  const lost = s.ticksLost === null ? 'unknown' : `${s.ticksLost} ticks (${s.msLost ?? 0} ms)`;
  return h('dl', { class: 'recovery-numbers', 'data-testid': `${prefix}-numbers` },
    h('dt', {}, 'Detected'), h('dd', { class: 'mono', 'data-testid': `${prefix}-detected-ms`, title: from }, `${Math.round(s.detectedMs)} ms`),
    h('dt', {}, 'Back in play'), h('dd', { class: 'mono ok', 'data-testid': `${prefix}-back-ms` }, `${Math.round(s.backInPlayMs)} ms`),
    h('dt', {}, 'Play lost'), h('dd', { class: 'mono', 'data-testid': `${prefix}-play-lost` }, lost),
    h('dt', {}, 'Score lost'), h('dd', { class: 'mono', 'data-testid': `${prefix}-score-lost` }, String(s.scoreLost)),
    h('dt', {}, 'Moved'), h('dd', { class: 'mono', 'data-testid': `${prefix}-route` }, `${s.fromNode ?? '?'} → ${s.toNode}`),
    h('dt', {}, 'Epoch'), h('dd', { class: 'mono', 'data-testid': `${prefix}-epoch` }, s.epoch === null ? '—' : String(s.epoch)));
}

/** A one-line notice over the arena (e.g. the host is draining), until cleared. */
export class StageNotice {
  readonly root: HTMLElement;

  constructor(host: HTMLElement) {
    this.root = h('div', { class: 'stage-notice', role: 'status', 'data-testid': 'stage-notice', hidden: true });
    host.append(this.root);
  }

  show(text: string): void {
    setText(this.root, text);
    this.root.hidden = false;
  }

  hide(): void {
    this.root.hidden = true;
  }
}
