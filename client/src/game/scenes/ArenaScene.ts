import { Input, Scene, type GameObjects } from 'phaser';
import type { PlayerProfile, RejoinResult } from '../../../../shared/api';
import type { MatchResult, NodeInfo, RoomMode } from '../../../../shared/protocol';
import { DEFAULT_RULES, type Axis, type Point } from '../../../../shared/rules/arena';
import type { ArenaState } from '../../../../shared/schema';
import { GameConnection, type ConnectionLoss } from '../../net/connection';
import { ApiRequestError, ApiUnavailableError } from '../../net/api';
import type { Fault } from '../../net/control';
import { findMatch } from '../../net/matchmaking';
import { followRoom } from '../../net/rejoin';
import { publish } from '../../testHook';
import { describeError } from '../../ui/errors';
import { LossPanel } from '../../ui/lossPanel';
import { ResultsPanel } from '../../ui/resultsPanel';
import { toast } from '../../ui/toasts';
import { drawArenaFloor, ensureTextures, GOLDEN_ORB_TEXTURE, ORB_TEXTURE } from '../arenaView';
import { INTERPOLATION_DELAY_MS } from '../interpolation';
import { PlayerView } from '../playerView';
import { Predictor } from '../prediction';
import { summarizeRecovery, type RecoveryCause } from '../recovery';
import type { Services } from '../services';

export interface ArenaSceneData {
  connection: GameConnection;
  mode: RoomMode;
  /** Set after "Find a new match": how long the new seat took, from the click to the joined room. */
  reseatMs?: number;
  /** Set when this seat is a checkpointed session that followed its room to a new host. */
  recovered?: RecoveredSeat;
}

/** What the previous seat knew when its host went away, carried over to measure the recovery. */
interface RecoveredSeat {
  cause: RecoveryCause;
  fault: Fault | null;
  faultAt: number | null;
  detectedAt: number;
  lastMessageAt: number;
  fromNode: string | null;
  lastTick: number;
  scoreBefore: number;
  result: RejoinResult;
  attempts: number;
}

/** Attempts at a new seat: right after a kill the matchmaker may still offer the dead node once. */
const RESEAT_ATTEMPTS = 3;

const DEFAULT_TICK_RATE = 20;

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
 * The match: local input at the server's fixed step with prediction and
 * reconciliation for this player, interpolation for everyone else, and the
 * results and loss screens over it.
 */
export class ArenaScene extends Scene {
  #conn!: GameConnection;
  #mode: RoomMode = 'stateful';
  #predictor!: Predictor;
  #stepMs = 1000 / DEFAULT_TICK_RATE;
  #acc = 0;
  #keys!: Keys;
  #state: ArenaState | null = null;
  #phase = '';
  #timeLeftMs = 0;
  #timeLeftAt = 0;
  #lost = false;
  #reseatMs: number | null = null;
  /** A recovery waiting for the first patch with this player in it, to be measured. */
  #recovered: RecoveredSeat | null = null;
  /** Newest tick and own score seen from the host: what a recovery is measured against. */
  #lastTick = 0;
  #lastScore = 0;
  /** performance.now() when this seat was taken, and when the current match started (if after). */
  #joinedAt = 0;
  #matchStartedAt = 0;
  readonly #players = new Map<string, PlayerView>();
  readonly #orbs = new Map<string, OrbView>();
  readonly #scratch: Point = { x: 0, y: 0 };
  #results: ResultsPanel | null = null;
  #loss: LossPanel | null = null;
  #unsubscribe: (() => void)[] = [];

  constructor(private readonly services: Services) {
    super('ArenaScene');
  }

  init(data: ArenaSceneData): void {
    this.#conn = data.connection;
    this.#mode = data.mode;
    this.#predictor = new Predictor(DEFAULT_RULES, this.#stepMs / 1000);
    this.#acc = 0;
    this.#state = null;
    this.#phase = '';
    this.#lost = false;
    this.#reseatMs = data.reseatMs ?? null;
    this.#recovered = data.recovered ?? null;
    this.#lastTick = 0;
    this.#lastScore = 0;
    this.#joinedAt = performance.now();
    this.#matchStartedAt = this.#joinedAt;
  }

  create(): void {
    const rules = DEFAULT_RULES;
    ensureTextures(this, rules);
    drawArenaFloor(this, rules);
    this.#keys = this.#bindKeys();

    const { shell } = this.services;
    shell.setMode('playing');
    shell.session.reset(this.#conn.roomId, this.#mode);
    shell.session.setReseat(this.#reseatMs);
    shell.setSeat(null, this.#conn.roomId, false);
    shell.notice.hide();
    if (!this.#recovered) {
      shell.recovery.hide();
      shell.session.setRecovery(null);
    }
    publish({
      phase: this.#recovered ? 'recovering' : 'playing', mode: this.#mode, roomId: this.#conn.roomId, connected: true, nodeId: null,
      lost: null, reseatMs: this.#reseatMs, playerId: this.services.sessions.current?.playerId ?? null,
      ...(this.#recovered ? {} : { recovery: null }),
    });
    if (this.#reseatMs !== null) toast(`Seated again in ${Math.round(this.#reseatMs)} ms.`, 'info', 4000);

    const c = this.#conn;
    this.#unsubscribe = [
      c.on('node', (info) => this.#onNode(info)),
      c.on('patch', (state) => this.#onPatch(state)),
      c.on('results', (r) => this.#onResults(r)),
      c.on('error', (e) => toast(e.message, 'warn')),
      c.on('lost', (loss) => this.#onLost(loss)),
      c.on('draining', (nodeId) => this.#onDraining(nodeId)),
    ];
    if (c.node) this.#onNode(c.node);
    if (c.room.state) this.#onPatch(c.room.state);

    this.events.once('shutdown', () => this.#teardown());
  }

  override update(_time: number, delta: number): void {
    if (!this.#lost) {
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
    if (!this.#predictor.ready || this.#phase !== 'playing') return;
    const k = this.#keys;
    const dx = axis(k.left, k.right);
    const dy = axis(k.up, k.down);
    if (dx === 0 && dy === 0) {
      // Idle steps send nothing: the server simply applies no input for us this tick.
      this.#predictor.hold();
      return;
    }
    this.#conn.sendInput(this.#predictor.step(dx, dy, true));
  }

  #onNode(info: NodeInfo): void {
    this.services.shell.session.setNode(info);
    this.services.shell.setSeat(info.nodeId, info.roomId, !this.#lost);
    publish({ nodeId: info.nodeId, roomId: info.roomId });
    const stepMs = 1000 / (info.tickRate || DEFAULT_TICK_RATE);
    if (stepMs !== this.#stepMs) {
      this.#stepMs = stepMs;
      this.#predictor.dtSeconds = stepMs / 1000;
    }
  }

  #onPatch(state: ArenaState): void {
    const now = performance.now();
    this.#state = state;
    if (state.phase !== this.#phase) this.#onPhase(state.phase);
    this.#timeLeftMs = state.timeLeftMs;
    this.#timeLeftAt = now;

    const me = this.#conn.sessionId;
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
      if (id === me) {
        this.#predictor.reconcile(p.x, p.y, p.ack, state.phase === 'playing');
        if (this.#recovered) this.#backInPlay(now, p.score);
        this.#lastScore = p.score;
      } else view.buffer.push(now, p.x, p.y);
    });
    this.#lastTick = state.tick;
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

  #onPhase(phase: string): void {
    const previous = this.#phase;
    this.#phase = phase;
    publish({ phase: phase === 'results' ? 'results' : 'playing' });
    this.services.shell.setMode(phase === 'results' ? 'results' : 'playing');
    if (phase === 'playing') this.#matchStartedAt = performance.now();
    if (phase === 'playing' && previous === 'results') {
      this.#results?.destroy();
      this.#results = null;
      toast('A new match has started. Go!', 'info', 2500);
    }
  }

  #onResults(result: MatchResult): void {
    this.#results?.destroy();
    const { shell, sessions } = this.services;
    this.#results = new ResultsPanel(shell.overlay, result, sessions.current?.playerId ?? null);
    // The node records results asynchronously: read the board once now and once when it has surely landed.
    const refresh = () => void shell.leaderboard.refresh(sessions.current?.playerId ?? null);
    refresh();
    this.time.delayedCall(1500, refresh);
  }

  /** First patch with this player on the new host: the session is back in play. Measure and show it. */
  #backInPlay(now: number, scoreAfter: number): void {
    const r = this.#recovered!;
    this.#recovered = null;
    const node = this.#conn.node;
    const summary = summarizeRecovery({
      cause: r.cause, faultAt: r.faultAt, detectedAt: r.detectedAt, lastMessageAt: r.lastMessageAt, backAt: now,
      lastTick: r.lastTick, restoredTick: node?.restoredFrom?.tick ?? r.result.restoredFromTick,
      tickRate: node?.tickRate ?? DEFAULT_TICK_RATE, scoreBefore: r.scoreBefore, scoreAfter,
      fromNode: r.fromNode, toNode: node?.nodeId ?? r.result.nodeId, epoch: node?.epoch ?? r.result.epoch, attempts: r.attempts,
    });
    const { shell } = this.services;
    shell.recovery.recovered(summary);
    shell.session.setRecovery(summary);
    const { detectedMs, backInPlayMs, ticksLost, msLost, scoreLost, fromNode, toNode, epoch } = summary;
    publish({ phase: 'playing', recovery: { detectedMs, backInPlayMs, ticksLost, msLost, scoreLost, fromNode, toNode, epoch } });
  }

  #onDraining(nodeId: string): void {
    if (this.#mode === 'stateful') {
      this.services.shell.notice.show(`Your host ${nodeId} is draining: this is the last match here.`);
    } else {
      toast(`Host ${nodeId} is draining: your room will be handed over to another node.`, 'info', 4000);
    }
  }

  #onLost(loss: ConnectionLoss): void {
    this.#lost = true;
    this.#results?.destroy();
    this.#results = null;
    const { shell, control } = this.services;
    shell.notice.hide();
    shell.recovery.hide();
    shell.session.setRecovery(null);
    // Measure from the button press when this page injected the fault into the host; otherwise
    // from the last thing the host said, the best the client can know about when it went away.
    const fault = loss.nodeId ? control?.lastFaultOn(loss.nodeId, this.#joinedAt) ?? null : null;
    const detectedMs = fault ? loss.detectedAt - fault.at : loss.detectedAt - loss.lastMessageAt;
    shell.setSeat(loss.nodeId, null, false);
    for (const view of this.#players.values()) view.setDimmed(true);
    if (this.#mode === 'checkpointed') {
      publish({ phase: 'recovering', connected: false, lost: { reason: loss.reason, detectedMs }, recovery: null });
      void this.#recover(loss, fault?.fault ?? null, fault?.at ?? null, detectedMs);
      return;
    }
    this.#showLoss(loss, detectedMs, null);
  }

  /**
   * Checkpointed mode: follow the room to its new host instead of losing the session. Asks any API
   * instance for a seat back (it restores the room from its last checkpoint if nobody has yet), takes
   * it, and restarts the scene on the new connection (fresh prediction: input seq starts at 1 again).
   */
  async #recover(loss: ConnectionLoss, fault: Fault | null, faultAt: number | null, detectedMs: number): Promise<void> {
    const { shell, sessions } = this.services;
    const cause: RecoveryCause = loss.reason === 'moved' ? (loss.moved ?? 'drain') : loss.reason;
    const banner = shell.recovery.recovering({ fromNode: loss.nodeId, cause, detectedMs, since: faultAt ?? loss.detectedAt });
    const roomId = this.#conn.roomId;
    const outcome = await followRoom(async () => {
      const result = await sessions.authorized<RejoinResult>('POST', `/v1/rooms/${encodeURIComponent(roomId)}/rejoin`);
      const connection = await GameConnection.join(result.reservation);
      return { result, connection };
    }, { onAttempt: (n) => banner.attempt(n) });
    if (!this.scene.isActive()) {
      if (outcome.ok) void outcome.value.connection.leave();
      return;
    }
    if (!outcome.ok) {
      shell.recovery.hide();
      publish({ phase: 'lost' });
      const why = outcome.why === 'lost' ? 'The room could not be restored: it is gone.' : `Could not follow the room: ${outcome.message}`;
      this.#showLoss(loss, detectedMs, why);
      return;
    }
    const { result, connection } = outcome.value;
    this.scene.restart({
      connection, mode: this.#mode,
      recovered: {
        cause, fault, faultAt, detectedAt: loss.detectedAt, lastMessageAt: loss.lastMessageAt, fromNode: loss.nodeId,
        lastTick: this.#lastTick, scoreBefore: this.#lastScore, result, attempts: outcome.attempts,
      },
    } satisfies ArenaSceneData);
  }

  #showLoss(loss: ConnectionLoss, detectedMs: number, note: string | null): void {
    const { shell, sessions, api, control } = this.services;
    const fault = loss.nodeId ? control?.lastFaultOn(loss.nodeId, this.#joinedAt) ?? null : null;
    const apiOkBase = fault ? fault.apiOkAtPress : api.succeeded;
    publish({ phase: 'lost', connected: false, lost: { reason: loss.reason, detectedMs } });

    const me = this.#state?.players.get(this.#conn.sessionId);
    const others = [...this.#players.entries()].filter(([id]) => id !== this.#conn.sessionId).map(([, v]) => v.name);
    const session = sessions.current;
    const panel = new LossPanel(shell.overlay, {
      nodeId: loss.nodeId, roomId: this.#conn.roomId, mode: this.#mode, reason: loss.reason, code: loss.code,
      detectedMs, detectedFrom: fault ? 'fault-button' : 'last-message', fault: fault?.fault ?? null,
      lost: {
        score: me?.score ?? 0, x: this.#predictor.pos.x, y: this.#predictor.pos.y,
        playedMs: loss.detectedAt - Math.max(this.#joinedAt, this.#matchStartedAt), others,
      },
      survived: { name: session?.name ?? this.services.prefs.name, playerId: session?.playerId ?? null },
    }, () => api.succeeded - apiOkBase, () => void this.#findNewMatch(panel));
    if (note) panel.setStatus(note, true);
    this.#loss = panel;
    // The API is stateless: the player's record is still there, served by whichever instance answers.
    sessions.authorized<PlayerProfile>('GET', '/v1/players/me').then(
      (profile) => panel.setProfile(profile),
      () => panel.setProfile(null),
    );
  }

  async #findNewMatch(panel: LossPanel): Promise<void> {
    const { sessions, prefs } = this.services;
    panel.setBusy(true, 'Looking for a healthy game node…');
    const t0 = performance.now();
    for (let attempt = 1; ; attempt++) {
      try {
        const connection = await findMatch(sessions, prefs.name, prefs.mode);
        const reseatMs = performance.now() - t0;
        this.scene.restart({ connection, mode: prefs.mode, reseatMs } satisfies ArenaSceneData);
        return;
      } catch (err) {
        // API errors are final; a failed join (a node that died a moment ago) is worth another seat.
        const retry = attempt < RESEAT_ATTEMPTS && !(err instanceof ApiRequestError || err instanceof ApiUnavailableError);
        if (!retry) {
          panel.setBusy(false);
          panel.setStatus(describeError(err), true);
          return;
        }
        panel.setBusy(true, `That node did not answer; trying another (attempt ${attempt + 1})…`);
        await new Promise((r) => setTimeout(r, 300));
      }
    }
  }

  #render(frameMs: number): void {
    const now = performance.now();
    const me = this.#conn.sessionId;
    const alpha = Math.min(1, this.#acc / this.#stepMs);
    for (const [id, view] of this.#players) {
      const p = id === me ? this.#predictor.render(alpha, frameMs, this.#scratch) : view.buffer.sample(now - INTERPOLATION_DELAY_MS, this.#scratch);
      if (p) view.moveTo(p.x, p.y);
    }
    const pulse = 1 + Math.sin(now / 180) * 0.08;
    for (const orb of this.#orbs.values()) if (orb.golden && !this.tweens.isTweening(orb.image)) orb.image.setScale(pulse);
  }

  #updateHud(): void {
    const state = this.#state;
    const { shell } = this.services;
    const mine = state?.players.get(this.#conn.sessionId);
    const elapsed = this.#lost ? 0 : performance.now() - this.#timeLeftAt;
    const timeLeftMs = Math.max(0, this.#timeLeftMs - elapsed);
    shell.topbar.update({
      mode: this.#mode,
      score: mine?.score ?? 0,
      timeLeftMs,
      players: state?.players.size ?? 0,
      phase: this.#phase,
      match: state?.match ?? 0,
    });
    shell.session.tick(this.#conn.rttMs, this.#conn.silenceMs, this.#lost);
    this.#results?.tick(timeLeftMs);
    publish({
      x: this.#predictor.pos.x,
      y: this.#predictor.pos.y,
      score: mine?.score ?? 0,
      connected: this.#conn.connected,
      players: [...this.#players.values()].map((v) => v.name),
    });
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
    void this.#conn.leave();
    this.services.shell.setSeat(null, null, false);
    this.services.shell.notice.hide();
    this.#results?.destroy();
    this.#results = null;
    this.#loss?.destroy();
    this.#loss = null;
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
