import { CANVAS, Game, Scale } from 'phaser';
import { DEFAULT_RULES } from '../../../shared/rules/arena';
import { ArenaScene } from './scenes/ArenaScene';
import { LobbyScene } from './scenes/LobbyScene';
import type { Services } from './services';

/** Boots Phaser into `parent` with one scene per file; the lobby starts first. */
export function startGame(parent: HTMLElement, services: Services): Game {
  // Canvas on purpose: headless Chromium and many laptops have no usable GPU, and this game needs none.
  return new Game({
    type: CANVAS,
    parent,
    width: DEFAULT_RULES.width,
    height: DEFAULT_RULES.height,
    backgroundColor: '#080b14',
    scale: { mode: Scale.FIT, autoCenter: Scale.CENTER_BOTH },
    banner: false,
    scene: [new LobbyScene(services), new ArenaScene(services)],
  });
}
