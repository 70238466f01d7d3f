import type { LeaderboardEntry } from '../../../shared/api';
import { ErrorCodes } from '../../../shared/errors';
import { ApiRequestError, type ApiClient } from '../net/api';
import { fetchLeaderboard } from '../net/leaderboard';
import { h } from './dom';

/** Best scores of all time (top 10) and the player's own neighbourhood. Degrades to a notice when the API is down. */
export class LeaderboardPanel {
  readonly root: HTMLElement;
  readonly #body = h('div', { class: 'board-body' });
  #loading = false;

  constructor(host: HTMLElement, private readonly api: ApiClient) {
    this.root = h('section', { class: 'panel leaderboard', 'data-testid': 'leaderboard' },
      h('h2', {}, 'Best scores'),
      this.#body);
    host.append(this.root);
  }

  show(visible: boolean): void {
    this.root.hidden = !visible;
  }

  async refresh(playerId: string | null): Promise<void> {
    if (this.#loading) return;
    this.#loading = true;
    if (!this.#body.hasChildNodes()) this.#body.replaceChildren(h('p', { class: 'muted' }, 'Loading…'));
    try {
      const view = await fetchLeaderboard(this.api, playerId);
      const around = view.aroundMe.filter((e) => !view.top.some((t) => t.playerId === e.playerId));
      this.#body.replaceChildren(
        view.top.length === 0 ? h('p', { class: 'muted' }, 'No scores yet. Be the first!') : table(view.top, playerId),
        ...(around.length > 0 ? [h('h3', {}, 'Around you'), table(around, playerId)] : []),
      );
    } catch (err) {
      const storeOut = err instanceof ApiRequestError && err.code === ErrorCodes.redisUnavailable;
      this.#body.replaceChildren(h('p', { class: 'muted' }, storeOut
        ? 'Leaderboards are paused: the store is unreachable. Results of finished matches wait on their game node and count once it is back.'
        : 'The leaderboard is unavailable right now. Your games still count.'));
    } finally {
      this.#loading = false;
    }
  }
}

function table(entries: LeaderboardEntry[], me: string | null): HTMLElement {
  return h('ol', { class: 'board' }, ...entries.map((e) =>
    h('li', { class: e.playerId === me ? 'me' : undefined },
      h('span', { class: 'rank' }, `#${e.rank}`),
      h('span', { class: 'name' }, e.name),
      h('span', { class: 'score' }, String(e.score)))));
}
