import type { MatchResult, RecordedNotice } from '../../../shared/protocol';
import { h, setText } from './dom';

/** End-of-match standings; the next match starts by itself in the same room. */
export class ResultsPanel {
  readonly root: HTMLElement;
  readonly #countdown = h('p', { class: 'muted' });
  readonly #recorded = h('p', { class: 'recorded', 'data-testid': 'results-recorded' });
  readonly #held = h('p', { class: 'muted small', 'data-testid': 'results-held', hidden: true });

  /** `nodeId`: the host, whose memory holds results still waiting for the store. */
  constructor(host: HTMLElement, result: MatchResult, me: string | null, private readonly nodeId: string | null) {
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
      this.#recorded,
      this.#held,
      this.#countdown);
    this.setRecorded(null);
    host.append(this.root);
  }

  /** What the host says about these results: null until it says anything. */
  setRecorded(status: RecordedNotice['status'] | null): void {
    this.#recorded.dataset.status = status ?? 'unknown';
    const host = this.nodeId ?? 'the host node';
    setText(this.#recorded, status === 'recorded' ? 'Results recorded: they are on the leaderboard.'
      : status === 'waiting' ? 'Results waiting for the store: they are recorded once it is back.'
        : status === 'stale' ? 'Results not recorded: this copy of the match was stale (another copy holds the room now, and only its results count).'
          : 'Recording the results…');
    this.#held.hidden = status !== 'waiting';
    setText(this.#held, `Until then they are held only in ${host}'s memory: if ${host} also dies before the store returns, these results are lost.`);
  }

  tick(msToNext: number): void {
    this.#countdown.textContent = `Next match in ${Math.max(0, Math.ceil(msToNext / 1000))} s…`;
  }

  destroy(): void {
    this.root.remove();
  }
}
