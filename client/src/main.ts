import './ui/styles.css';
import { ROOM_MODES, type RoomMode } from '../../shared/protocol';
import { loadRuntimeConfig } from './config';
import { startGame } from './game/main';
import { ApiClient } from './net/api';
import { ClusterMonitor } from './net/cluster';
import { ControlClient } from './net/control';
import { SessionStore } from './net/session';
import { StoreHealth } from './net/storeHealth';
import { publish } from './testHook';
import { byId } from './ui/dom';
import { showIdentityReplaced } from './ui/identityNotice';
import { Shell } from './ui/shell';

function loadPrefs(): { name: string; mode: RoomMode } {
  try {
    const raw = JSON.parse(localStorage.getItem('statecraft.prefs') ?? '{}') as { name?: unknown; mode?: unknown };
    return {
      name: typeof raw.name === 'string' ? raw.name : '',
      mode: ROOM_MODES.find((m) => m === raw.mode) ?? 'stateful',
    };
  } catch {
    return { name: '', mode: 'stateful' };
  }
}

void loadRuntimeConfig().then((config) => {
  const api = new ApiClient(config.api);
  const control = ControlClient.from(config, () => api.succeeded);
  const cluster = new ClusterMonitor(api, control);
  const store = new StoreHealth(api);
  const shell = new Shell(api, cluster, control, store);
  const sessions = new SessionStore(api, sessionStorage);
  sessions.onReplaced((r) => showIdentityReplaced(byId('stage'), r));
  store.onChange((v) => publish({ storeSeen: v.state }));
  cluster.start();
  store.start();
  startGame(byId('game'), { config, api, control, cluster, store, sessions, shell, prefs: loadPrefs() });
});
