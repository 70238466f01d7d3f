import { IngressPoolWatch, poolUrl } from '../net/ingressPool';
import type { ApiClient } from '../net/api';
import type { ClusterMonitor } from '../net/cluster';
import type { ControlClient } from '../net/control';
import type { StoreHealth } from '../net/storeHealth';
import { ClusterPanel } from './clusterPanel';
import { byId, h, setText } from './dom';
import { HostFaults } from './hostFaults';
import { LeaderboardPanel } from './leaderboardPanel';
import { RecoveryBanner, StageNotice } from './recoveryBanner';
import { SessionPanel } from './sessionPanel';
import { StoreBanner } from './storeBanner';
import { Topbar } from './topbar';

/** The page around the canvas: top bar, sidebar panels, and the overlay that holds cards (lobby, results, loss). */
export class Shell {
  readonly topbar: Topbar;
  readonly session: SessionPanel;
  readonly cluster: ClusterPanel;
  readonly leaderboard: LeaderboardPanel;
  readonly hostFaults: HostFaults | null;
  /** "Recovering your session…" and then the recovery's numbers, over the arena. */
  readonly recovery: RecoveryBanner;
  /** One-line notices over the arena (the host is draining). */
  readonly notice: StageNotice;
  /** The room's standing with the store, over the arena. */
  readonly store: StoreBanner;
  readonly overlay: HTMLElement;
  readonly #apiFooter = h('span', { class: 'mono', 'data-testid': 'api-instance' }, '—');
  readonly #footer: HTMLElement;

  constructor(api: ApiClient, monitor: ClusterMonitor, control: ControlClient | null, store: StoreHealth) {
    this.topbar = new Topbar(byId('topbar'));
    const sidebar = byId('sidebar');
    this.session = new SessionPanel(sidebar);
    // The balancer's own view of its pool, from the entry point the API calls go through.
    const pool = new IngressPoolWatch(poolUrl(api.urls[0]!));
    this.cluster = new ClusterPanel(sidebar, monitor, control, store, pool);
    pool.start();
    this.leaderboard = new LeaderboardPanel(sidebar, api);
    this.#footer = h('p', { class: 'api-footer muted' }, 'Last API answer from ', this.#apiFooter);
    sidebar.append(this.#footer);
    this.overlay = byId('overlay');
    this.recovery = new RecoveryBanner(byId('stage'));
    this.notice = new StageNotice(byId('stage'));
    this.store = new StoreBanner(byId('stage'));
    this.hostFaults = control ? new HostFaults(byId('stage'), (fault, target) => void this.cluster.inject(fault, target)) : null;
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

  /** The player's seat: highlighted on the cluster map; the host buttons target it while it is live. */
  setSeat(nodeId: string | null, roomId: string | null, live: boolean): void {
    this.cluster.setMine(nodeId, roomId);
    this.hostFaults?.setHost(live ? nodeId : null);
  }
}
