import type { RuntimeConfig } from '../config';
import type { ApiClient } from '../net/api';
import type { ClusterMonitor } from '../net/cluster';
import type { ControlClient } from '../net/control';
import type { SessionStore } from '../net/session';
import type { StoreHealth } from '../net/storeHealth';
import type { RoomMode } from '../../../shared/protocol';
import type { Shell } from '../ui/shell';

/** What every scene needs, built once at boot and handed to the scene constructors. */
export interface Services {
  config: RuntimeConfig;
  api: ApiClient;
  /** The supervisor's fault endpoint; null when /statecraft.json does not offer it. */
  control: ControlClient | null;
  cluster: ClusterMonitor;
  /** The store as the page sees it through the API (the lobby's outage notice, the cluster map's store card). */
  store: StoreHealth;
  sessions: SessionStore;
  shell: Shell;
  /** The player's last lobby choice: reused for "Find a new match". */
  prefs: { name: string; mode: RoomMode };
}
