import { Input, Scene, type GameObjects } from 'phaser';
import { DEFAULT_RULES, type Axis, type Point } from '../../../../shared/rules/arena';
import type { ArenaState } from '../../../../shared/schema';
import { GameConnection } from '../../net/connection';
import { askRoom, findMatch, rejoinRoom } from '../../net/matchmaking';
import { pageJoinOptions } from '../../pageJoin';
import { watchArena } from '../../testHook';
import { drawArenaFloor, ensureTextures, GOLDEN_ORB_TEXTURE, ORB_TEXTURE } from '../arenaView';
import { ArenaOverlays } from '../arenaOverlays';
import { ArenaSession, type SeatData } from '../arenaSession';
import { INTERPOLATION_DELAY_MS } from '../interpolation';
import { PlayerView } from '../playerView';
import { Predictor } from '../prediction';
import type { Services } from '../services';

/** The scene's start data: one seat (see ArenaSession). */
export type ArenaSceneData = SeatData;

interface OrbView {
  image: GameObjects.Image;
  golden: boolean;
  x: number;
  y: number;
}

interface Keys {
  up: Input.Keyboard.Key[];
  down: Input.Keyboard.Key[];
  left: Input.Keyboard.Key[];
  right: Input.Keyboard.Key[];
}

/**
 * The match on the canvas: local input at the server's fixed step with
 * prediction and reconciliation for this player, interpolation for everyone
 * else. The session and its recovery live in ArenaSession (no pixels); the DOM
 * over the arena in ArenaOverlays; the test hook watches the session.
 */
export class ArenaScene extends Scene {
  #session!: ArenaSession;
  #overlays: ArenaOverlays | null = null;
  #predictor!: Predictor;
  #stepMs = 1000 / 20;
  #acc = 0;
  #keys!: Keys;
  #timeLeftMs = 0;
  #timeLeftAt = 0;
  readonly #players = new Map<string, PlayerView>();
  readonly #orbs = new Map<string, OrbView>();
  readonly #scratch: Point = { x: 0, y: 0 };
  #unsubscribe: (() => void)[] = [];

  constructor(private readonly services: Services) {
    super('ArenaScene');
  }

  init(data: ArenaSceneData): void {
    const { control, sessions, prefs } = this.services;
    const join = pageJoinOptions();
    this.#session = new ArenaSession(data, {
      faults: control,
      rejoin: (roomId) => rejoinRoom(sessions, roomId, join),
      askRoom: (roomId) => askRoom(sessions, roomId),
      takeSeat: (result) => GameConnection.join(result.reservation, join),
      findMatch: () => findMatch(sessions, { name: prefs.name, mode: prefs.mode }, join),
      rematchMode: () => prefs.mode,
    });
    this.#stepMs = 1000 / this.#session.tickRate;
    this.#predictor = new Predictor(DEFAULT_RULES, this.#stepMs / 1000);
    this.#acc = 0;
  }

  create(): void {
    const rules = DEFAULT_RULES;
    ensureTextures(this, rules);
    drawArenaFloor(this, rules);
    this.#keys = this.#bindKeys();

    const s = this.#session;
    this.#overlays = new ArenaOverlays(s, this.services, () => ({
      x: this.#predictor.pos.x, y: this.#predictor.pos.y,
      others: [...this.#players.entries()].filter(([id]) => id !== s.connection.sessionId).map(([, v]) => v.name),
    }), (ms, fn) => void this.time.delayedCall(ms, fn));
    this.#unsubscribe = [
      watchArena(s, {
        position: () => this.#predictor.pos,
        players: () => [...this.#players.values()].map((v) => v.name),
      }, this.services.sessions.current?.playerId ?? null),
      s.on('node', (info) => {
        const stepMs = 1000 / (info.tickRate || 20);
        if (stepMs !== this.#stepMs) {
          this.#stepMs = stepMs;
          this.#predictor.dtSeconds = stepMs / 1000;
        }
      }),
      s.on('patch', (state, at) => this.#onPatch(state, at)),
      s.on('lost', () => {
        for (const view of this.#players.values()) view.setDimmed(true);
      }),
      s.on('seated', (next) => this.scene.restart(next satisfies ArenaSceneData)),
    ];
    s.start();

    this.events.once('shutdown', () => this.#teardown());
  }

  override update(_time: number, delta: number): void {
    if (!this.#session.lost) {
      this.#acc += delta;
      // After a stall (background tab) resume instead of replaying a burst of stale steps.
      if (this.#acc > this.#stepMs * 5) this.#acc = this.#stepMs;
      while (this.#acc >= this.#stepMs) {
        this.#acc -= this.#stepMs;
        this.#fixedStep();
      }
    }
    this.#render(delta);
    this.#updateHud();
  }

  #fixedStep(): void {
    // A paused room (its host cannot save it) applies no input: predicting it would only snap back.
    if (!this.#predictor.ready || this.#session.phase !== 'playing' || this.#session.paused) return;
    const k = this.#keys;
    const dx = axis(k.left, k.right);
    const dy = axis(k.up, k.down);
    if (dx === 0 && dy === 0) {
      // Idle steps send nothing: the server simply applies no input for us this tick.
      this.#predictor.hold();
      return;
    }
    this.#session.connection.sendInput(this.#predictor.step(dx, dy, true));
  }

  #onPatch(state: ArenaState, now: number): void {
    this.#timeLeftMs = state.timeLeftMs;
    this.#timeLeftAt = now;
    const me = this.#session.connection.sessionId;
    const seen = new Set<string>();
    state.players.forEach((p, id) => {
      seen.add(id);
      let view = this.#players.get(id);
      if (!view) {
        view = new PlayerView(this, DEFAULT_RULES, p.color, id === me);
        this.#players.set(id, view);
        view.moveTo(p.x, p.y);
      }
      view.update(p.name, p.score);
      if (id === me) this.#predictor.reconcile(p.x, p.y, p.ack, state.phase === 'playing');
      else view.buffer.push(now, p.x, p.y);
    });
    for (const [id, view] of this.#players) {
      if (seen.has(id)) continue;
      view.destroy();
      this.#players.delete(id);
    }
    this.#syncOrbs(state);
  }

  #syncOrbs(state: ArenaState): void {
    state.orbs.forEach((o, id) => {
      const view = this.#orbs.get(id);
      if (!view) {
        const image = this.add.image(o.x, o.y, o.golden ? GOLDEN_ORB_TEXTURE : ORB_TEXTURE).setDepth(1);
        this.#orbs.set(id, { image, golden: o.golden, x: o.x, y: o.y });
        return;
      }
      if (view.x === o.x && view.y === o.y && view.golden === o.golden) return;
      // Same orb, new place: it was just collected. Flash where it was, grow in where it respawned.
      this.#burst(view.x, view.y, view.golden);
      view.x = o.x;
      view.y = o.y;
      view.golden = o.golden;
      view.image.setTexture(o.golden ? GOLDEN_ORB_TEXTURE : ORB_TEXTURE).setPosition(o.x, o.y).setScale(0);
      this.tweens.add({ targets: view.image, scale: 1, duration: 350, ease: 'Back.easeOut' });
    });
  }

  #burst(x: number, y: number, golden: boolean): void {
    const ring = this.add.circle(x, y, golden ? 16 : 10, golden ? 0xffd166 : 0xc9d6ff, 0).setStrokeStyle(3, golden ? 0xffd166 : 0xc9d6ff, 1).setDepth(5);
    this.tweens.add({ targets: ring, scale: golden ? 3.2 : 2.4, alpha: 0, duration: 380, onComplete: () => ring.destroy() });
    const tag = this.add.text(x, y - 8, golden ? '+5' : '+1', {
      fontFamily: 'Inter, system-ui, sans-serif', fontSize: golden ? '20px' : '15px', fontStyle: 'bold',
      color: golden ? '#ffd166' : '#dfe6ff', stroke: '#0b0f1a', strokeThickness: 4,
    }).setOrigin(0.5).setDepth(30);
    this.tweens.add({ targets: tag, y: y - 40, alpha: 0, duration: 700, onComplete: () => tag.destroy() });
  }

  #render(frameMs: number): void {
    const now = performance.now();
    const me = this.#session.connection.sessionId;
    const alpha = Math.min(1, this.#acc / this.#stepMs);
    for (const [id, view] of this.#players) {
      const p = id === me ? this.#predictor.render(alpha, frameMs, this.#scratch) : view.buffer.sample(now - INTERPOLATION_DELAY_MS, this.#scratch);
      if (p) view.moveTo(p.x, p.y);
    }
    const pulse = 1 + Math.sin(now / 180) * 0.08;
    for (const orb of this.#orbs.values()) if (orb.golden && !this.tweens.isTweening(orb.image)) orb.image.setScale(pulse);
  }

  #updateHud(): void {
    const s = this.#session;
    const state = s.state;
    const mine = state?.players.get(s.connection.sessionId);
    // The match clock stands still while the room is paused (the host sends no patch then).
    const elapsed = s.lost || s.paused ? 0 : performance.now() - this.#timeLeftAt;
    const timeLeftMs = Math.max(0, this.#timeLeftMs - elapsed);
    this.services.shell.topbar.update({
      mode: s.mode,
      score: mine?.score ?? 0,
      timeLeftMs,
      players: state?.players.size ?? 0,
      phase: s.phase,
      match: state?.match ?? 0,
    });
    this.#overlays?.tick(timeLeftMs, s.connection.rttMs, s.connection.silenceMs);
  }

  #bindKeys(): Keys {
    const kb = this.input.keyboard;
    if (!kb) throw new Error('keyboard input is disabled');
    const K = Input.Keyboard.KeyCodes;
    const add = (...codes: number[]) => codes.map((c) => kb.addKey(c));
    return {
      up: add(K.W, K.UP),
      down: add(K.S, K.DOWN),
      left: add(K.A, K.LEFT),
      right: add(K.D, K.RIGHT),
    };
  }

  #teardown(): void {
    for (const off of this.#unsubscribe) off();
    this.#unsubscribe = [];
    this.#session.close();
    this.#overlays?.destroy();
    this.#overlays = null;
    for (const view of this.#players.values()) view.destroy();
    this.#players.clear();
    this.#orbs.clear();
    this.input.keyboard?.removeAllKeys(true);
  }
}

function axis(negative: Input.Keyboard.Key[], positive: Input.Keyboard.Key[]): Axis {
  const n = negative.some((k) => k.isDown) ? 1 : 0;
  const p = positive.some((k) => k.isDown) ? 1 : 0;
  return (p - n) as Axis;
}
