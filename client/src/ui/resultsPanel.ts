import type { MatchResult } from '../../../shared/protocol';
import { h } from './dom';

/** End-of-match standings; the next match starts by itself in the same room. */
export class ResultsPanel {
  readonly root: HTMLElement;
  readonly #countdown = h('p', { class: 'muted' });

  constructor(host: HTMLElement, result: MatchResult, me: string | null) {
    const standings = result.standings;
    const winner = standings[0];
    const title = winner && winner.playerId === me ? 'You win!' : winner ? `${winner.name} wins` : 'Match over';
    this.root = h('div', { class: 'card results', 'data-testid': 'results' },
      h('h1', {}, title),
      h('p', { class: 'lead' }, `Match ${result.match} standings`),
      h('ol', { class: 'standings' }, ...standings.map((s, i) =>
        h('li', { class: s.playerId === me ? 'me' : undefined },
          h('span', { class: 'rank' }, String(i + 1)),
          h('span', { class: 'name' }, s.name),
          h('span', { class: 'score' }, String(s.score))))),
      this.#countdown);
    host.append(this.root);
  }

  tick(msToNext: number): void {
    this.#countdown.textContent = `Next match in ${Math.max(0, Math.ceil(msToNext / 1000))} s…`;
  }

  destroy(): void {
    this.root.remove();
  }
}
