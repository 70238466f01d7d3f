import { Scene } from 'phaser';
import { DEFAULT_RULES } from '../../../../shared/rules/arena';
import { CodedError, ErrorCodes } from '../../../../shared/errors';
import { findMatch } from '../../net/matchmaking';
import { lobbyMatch } from '../../net/rejoin';
import { pageJoinOptions } from '../../pageJoin';
import { describeError } from '../../ui/errors';
import { LobbyPanel, type LobbyChoice } from '../../ui/lobbyPanel';
import { publish } from '../../testHook';
import { drawArenaFloor, ensureTextures, GOLDEN_ORB_TEXTURE, ORB_TEXTURE } from '../arenaView';
import type { Services } from '../services';

/** Name, server model, Play: logs in, asks the API for a seat, and hands the connection to the arena. */
export class LobbyScene extends Scene {
  #panel: LobbyPanel | null = null;
  /** Bumped by "Stop retrying" and by leaving the scene: a retry loop of an older generation ends at its next turn. */
  #generation = 0;

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

    this.#panel = new LobbyPanel(shell.overlay, prefs, (choice) => void this.#play(choice), () => this.#stop());
    const { store } = this.services;
    this.#panel.setStoreDown(store.down);
    const offStore = store.onChange((v) => this.#panel?.setStoreDown(v.state === 'down'));
    this.events.once('shutdown', () => {
      offStore();
      this.#generation++;
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
    const generation = ++this.#generation;
    const stale = () => generation !== this.#generation;
    // One retry policy for every seat (net/rejoin.ts): a store outage answers at once with
    // redis/unavailable, so the lobby waits it out with backoff instead of failing the click.
    const outcome = await lobbyMatch(() => findMatch(sessions, { name: choice.name, mode: choice.mode }, pageJoinOptions()), {
      cancelled: stale,
      onRetry: (attempt, err, delayMs) => this.#panel?.setRetrying(retryText(err, attempt, delayMs)),
    });
    if (stale()) {
      if (outcome.ok) void outcome.value.leave(); // stopped, or the lobby went away, while the seat was being taken
      return;
    }
    if (outcome.ok) {
      publish({ playerId: sessions.current?.playerId ?? null });
      this.scene.start('ArenaScene', { connection: outcome.value, mode: choice.mode });
      return;
    }
    publish({ phase: 'lobby' });
    this.#panel?.setBusy(false);
    this.#panel?.setStatus(describeError(outcome.error), true);
  }

  /** "Stop retrying": the lobby is free at once; the loop notices at its next turn. */
  #stop(): void {
    this.#generation++;
    publish({ phase: 'lobby' });
    this.#panel?.setBusy(false);
    this.#panel?.setStatus('Stopped retrying. Press Play to try again.', false);
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

/** "Retrying", for the player: why the last attempt failed and when the next one goes. */
function retryText(err: unknown, attempt: number, delayMs: number): string {
  const why = err instanceof CodedError && err.code === ErrorCodes.redisUnavailable ? 'The store is unreachable'
    : err instanceof CodedError && err.code === ErrorCodes.apiUnreachable ? 'No API instance answered'
      : 'No seat yet';
  return `${why}: retrying in ${(delayMs / 1000).toFixed(1)} s (attempt ${attempt + 1})…`;
}
