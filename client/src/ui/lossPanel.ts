import type { PlayerProfile } from '../../../shared/api';
import type { LossReason } from '../net/connection';
import { formatDuration, h, setText } from './dom';
import { HEARTBEAT } from '../../../shared/protocol';

export interface LossDetails {
  nodeId: string | null;
  roomId: string;
  mode: string;
  reason: LossReason;
  code: number;
  /** Milliseconds from the fault (or the host's last message) to this client noticing. */
  detectedMs: number;
  /** What `detectedMs` is measured from. */
  detectedFrom: 'fault-button' | 'last-message';
  /** The fault this page injected into the host, if it did. */
  fault: string | null;
  lost: { score: number; x: number; y: number; playedMs: number; others: string[] };
  survived: { name: string; playerId: string | null };
}

const HOW: Record<LossReason, string> = {
  killed: 'killed / crashed (connection reset)',
  frozen: `froze (no heartbeat for ${HEARTBEAT.silenceMs / 1000} s)`,
  moved: 'moved the room to another node, which could not be reached',
  left: 'closed the room (drained or shut down)',
  elsewhere: 'closed this connection: you opened the match in another tab or window',
};

/**
 * Shown the moment the host connection drops: how the host failed, how fast
 * this client noticed, what died with it, and what the stateless side kept.
 */
export class LossPanel {
  readonly root: HTMLElement;
  readonly #button: HTMLButtonElement;
  readonly #status = h('p', { class: 'status', role: 'status', 'data-testid': 'loss-status' });
  readonly #standings = h('dd', { class: 'mono', 'data-testid': 'loss-standings' }, 'asking the API…');
  readonly #apiOk = h('dd', { class: 'mono ok', 'data-testid': 'loss-api-ok' }, '0');
  readonly #apiOkTimer: ReturnType<typeof setInterval>;

  constructor(host: HTMLElement, details: LossDetails, apiOkSince: () => number, onFindMatch: () => void) {
    this.#button = h('button', { type: 'button', class: 'primary', 'data-testid': 'find-new-match' }, 'Find a new match');
    this.#button.addEventListener('click', onFindMatch);
    const node = details.nodeId ?? 'unknown node';
    const l = details.lost;
    const from = details.detectedFrom === 'fault-button' ? `after the ${details.fault ?? 'fault'} button was pressed` : 'after the host\'s last message';
    this.root = h('div', { class: 'card loss', role: 'alertdialog', 'aria-labelledby': 'loss-title', 'data-testid': 'loss-panel', 'data-reason': details.reason },
      h('h1', { id: 'loss-title' }, 'Your session was lost'),
      h('p', { class: 'lead' },
        'Host ', h('strong', { class: 'mono accent', 'data-testid': 'loss-node-id' }, node), ' ',
        h('span', { 'data-testid': 'loss-how' }, HOW[details.reason]), '.'),
      h('p', { class: 'detect' },
        'Noticed ', h('strong', { class: 'mono', 'data-testid': 'loss-detected-ms' }, `${Math.round(details.detectedMs)} ms`), ` ${from}.`),
      h('div', { class: 'loss-cols' },
        h('section', { class: 'gone' },
          h('h3', {}, 'Lost with the host'),
          h('dl', {},
            h('dt', {}, 'Match score'), h('dd', { class: 'mono', 'data-testid': 'loss-score' }, String(l.score)),
            h('dt', {}, 'Position'), h('dd', { class: 'mono' }, `${Math.round(l.x)}, ${Math.round(l.y)}`),
            h('dt', {}, 'Time played'), h('dd', { class: 'mono' }, formatDuration(l.playedMs)),
            h('dt', {}, 'Room'), h('dd', { class: 'mono' }, details.roomId),
            h('dt', {}, 'Other players'), h('dd', { class: 'mono', 'data-testid': 'loss-others', title: l.others.join(', ') },
              l.others.length === 0 ? 'none' : l.others.join(', ')))),
        h('section', { class: 'kept' },
          h('h3', {}, 'Survived (stateless API + Redis)'),
          h('dl', {},
            h('dt', {}, 'Login'), h('dd', { class: 'mono' }, details.survived.name),
            h('dt', {}, 'Player id'), h('dd', { class: 'mono clip', title: details.survived.playerId ?? '' }, details.survived.playerId ?? '—'),
            h('dt', {}, 'Best scores'), this.#standings,
            h('dt', {}, 'API requests OK since fault'), this.#apiOk))),
      h('p', { class: 'muted small' }, details.mode === 'stateful'
        ? 'Stateful mode: the match existed only in that node\'s memory, so it is gone with it.'
        : 'This match was checkpointed: its last snapshot is safe in Redis.'),
      this.#button,
      this.#status);
    host.append(this.root);
    const tick = () => setText(this.#apiOk, String(apiOkSince()));
    tick();
    this.#apiOkTimer = setInterval(tick, 250);
    this.#button.focus();
  }

  setProfile(profile: PlayerProfile | null): void {
    if (!profile) return setText(this.#standings, 'API unreachable');
    const ranked = profile.standings.filter((s) => s.score !== null);
    setText(this.#standings, ranked.length === 0
      ? 'no finished match yet'
      : ranked.map((s) => `${s.board} ${s.score}${s.rank === null ? '' : ` (#${s.rank})`}`).join(' · '));
    this.#standings.title = this.#standings.textContent ?? '';
  }

  setBusy(busy: boolean, status = ''): void {
    this.#button.disabled = busy;
    this.#button.textContent = busy ? 'Finding a match…' : 'Find a new match';
    this.setStatus(status, false);
  }

  setStatus(text: string, isError: boolean): void {
    this.#status.textContent = text;
    this.#status.classList.toggle('error', isError);
  }

  destroy(): void {
    clearInterval(this.#apiOkTimer);
    this.root.remove();
  }
}
