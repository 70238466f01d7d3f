import { Scene } from 'phaser';
import { DEFAULT_RULES } from '../../../../shared/rules/arena';
import { findMatch } from '../../net/matchmaking';
import { pageJoinOptions } from '../../pageJoin';
import { describeError } from '../../ui/errors';
import { LobbyPanel, type LobbyChoice } from '../../ui/lobbyPanel';
import { publish } from '../../testHook';
import { drawArenaFloor, ensureTextures, GOLDEN_ORB_TEXTURE, ORB_TEXTURE } from '../arenaView';
import type { Services } from '../services';

/** Name, server model, Play: logs in, asks the API for a seat, and hands the connection to the arena. */
export class LobbyScene extends Scene {
  #panel: LobbyPanel | null = null;

  constructor(private readonly services: Services) {
    super('LobbyScene');
  }

  create(): void {
    const rules = DEFAULT_RULES;
    ensureTextures(this, rules);
    drawArenaFloor(this, rules);
    this.#drawDriftingOrbs();

    const { shell, prefs, sessions } = this.services;
    shell.setMode('lobby');
    void shell.leaderboard.refresh(sessions.current?.playerId ?? null);
    publish({ phase: 'lobby', mode: prefs.mode, roomId: null, nodeId: null, connected: false, players: [], score: 0, lost: null });

    this.#panel = new LobbyPanel(shell.overlay, prefs, (choice) => void this.#play(choice));
    this.events.once('shutdown', () => {
      this.#panel?.destroy();
      this.#panel = null;
    });
  }

  async #play(choice: LobbyChoice): Promise<void> {
    const { prefs, sessions } = this.services;
    prefs.name = choice.name;
    prefs.mode = choice.mode;
    publish({ mode: choice.mode });
    localStorage.setItem('statecraft.prefs', JSON.stringify(prefs));
    this.#panel?.setBusy(true, 'Signing in and finding a match…');
    publish({ phase: 'connecting' });
    try {
      const connection = await findMatch(sessions, { name: choice.name, mode: choice.mode }, pageJoinOptions());
      publish({ playerId: sessions.current?.playerId ?? null });
      this.scene.start('ArenaScene', { connection, mode: choice.mode });
    } catch (err) {
      publish({ phase: 'lobby' });
      this.#panel?.setBusy(false);
      this.#panel?.setStatus(describeError(err), true);
    }
  }

  /** A quiet backdrop behind the lobby card: a few orbs floating over the arena floor. */
  #drawDriftingOrbs(): void {
    const { width, height } = DEFAULT_RULES;
    for (let i = 0; i < 18; i++) {
      const golden = i % 6 === 0;
      const orb = this.add.image(Math.random() * width, Math.random() * height, golden ? GOLDEN_ORB_TEXTURE : ORB_TEXTURE).setAlpha(0.75);
      this.tweens.add({
        targets: orb,
        x: orb.x + (Math.random() - 0.5) * 160,
        y: orb.y + (Math.random() - 0.5) * 160,
        duration: 4000 + Math.random() * 4000,
        yoyo: true,
        repeat: -1,
        ease: 'Sine.easeInOut',
      });
    }
  }
}
