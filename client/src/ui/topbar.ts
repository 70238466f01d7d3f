import { formatDuration, h, setText } from './dom';

export interface MatchStats {
  mode: string;
  score: number;
  timeLeftMs: number;
  players: number;
  phase: string;
  match: number;
}

/** Brand plus the match stats that are always in view while playing. */
export class Topbar {
  readonly #stats: HTMLElement;
  readonly #score = h('strong', { 'data-testid': 'hud-score' }, '0');
  readonly #time = h('strong', { 'data-testid': 'hud-time' }, '0:00');
  readonly #players = h('strong', { 'data-testid': 'hud-players' }, '0');
  readonly #phase = h('strong', { 'data-testid': 'hud-phase' }, '');
  readonly #mode = h('strong', { 'data-testid': 'hud-mode', class: 'mode-badge' }, '');

  constructor(host: HTMLElement) {
    this.#stats = h('div', { class: 'stats', hidden: true },
      stat('Server model', this.#mode), stat('Score', this.#score), stat('Time left', this.#time), stat('Players', this.#players), stat('Phase', this.#phase));
    host.append(
      h('div', { class: 'brand' }, h('span', { class: 'logo' }), h('span', {}, 'Orb Rush'), h('small', {}, 'a Statecraft arena')),
      this.#stats,
    );
  }

  show(visible: boolean): void {
    this.#stats.hidden = !visible;
  }

  update(s: MatchStats): void {
    setText(this.#mode, s.mode);
    this.#mode.dataset.mode = s.mode;
    setText(this.#score, String(s.score));
    setText(this.#time, formatDuration(s.timeLeftMs + 999));
    setText(this.#players, String(s.players));
    setText(this.#phase, s.phase === 'results' ? 'Results' : s.phase === 'playing' ? `Match ${s.match}` : '…');
    this.#time.classList.toggle('urgent', s.phase === 'playing' && s.timeLeftMs < 10_000);
  }
}

function stat(label: string, value: HTMLElement): HTMLElement {
  return h('div', { class: 'stat' }, h('span', {}, label), value);
}
