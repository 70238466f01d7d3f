import type { ApiClient } from '../net/api';
import { byId, h, setText } from './dom';
import { LeaderboardPanel } from './leaderboardPanel';
import { SessionPanel } from './sessionPanel';
import { Topbar } from './topbar';

/** The page around the canvas: top bar, sidebar panels, and the overlay that holds cards (lobby, results, loss). */
export class Shell {
  readonly topbar: Topbar;
  readonly session: SessionPanel;
  readonly leaderboard: LeaderboardPanel;
  readonly overlay: HTMLElement;
  readonly #apiFooter = h('span', { class: 'mono', 'data-testid': 'api-instance' }, '—');
  readonly #footer: HTMLElement;

  constructor(api: ApiClient) {
    this.topbar = new Topbar(byId('topbar'));
    const sidebar = byId('sidebar');
    this.session = new SessionPanel(sidebar);
    this.leaderboard = new LeaderboardPanel(sidebar, api);
    this.#footer = h('p', { class: 'api-footer muted' }, 'Last API answer from ', this.#apiFooter);
    sidebar.append(this.#footer);
    this.overlay = byId('overlay');
    api.onInstance((instance) => {
      setText(this.#apiFooter, instance);
      this.session.setApiInstance(instance);
    });
  }

  /** Lobby: leaderboard, no match stats. Playing: stats and the session panel. */
  setMode(mode: 'lobby' | 'playing' | 'results'): void {
    this.topbar.show(mode !== 'lobby');
    this.session.show(mode !== 'lobby');
    this.leaderboard.show(mode !== 'playing');
    this.#footer.hidden = mode !== 'lobby';
  }
}
