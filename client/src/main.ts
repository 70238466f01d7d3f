import './ui/styles.css';
import { ROOM_MODES, type RoomMode } from '../../shared/protocol';
import { loadRuntimeConfig } from './config';
import { startGame } from './game/main';
import { ApiClient } from './net/api';
import { SessionStore } from './net/session';
import { byId } from './ui/dom';
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
  const api = new ApiClient(config.apiUrls);
  const shell = new Shell(api);
  const sessions = new SessionStore(api);
  startGame(byId('game'), { config, api, sessions, shell, prefs: loadPrefs() });
});
