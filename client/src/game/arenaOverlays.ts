import type { PlayerProfile } from '../../../shared/api';
import type { MatchResult } from '../../../shared/protocol';
import { ElsewherePanel } from '../ui/elsewherePanel';
import { describeError } from '../ui/errors';
import { LossPanel } from '../ui/lossPanel';
import { ResultsPanel } from '../ui/resultsPanel';
import { toast } from '../ui/toasts';
import type { ArenaSession, SessionLoss } from './arenaSession';
import type { Services } from './services';
import { storeLine } from './storeStatus';

/**
 * The DOM over the arena for one seat: HUD seat and session panel, results,
 * notices and toasts, the recovery banner and the loss panel. Draws what the
 * session emits; decides nothing. `lossView` supplies what only the canvas
 * knows (the predicted position, the other players' names).
 */
export class ArenaOverlays {
  #results: { matchId: string; panel: ResultsPanel } | null = null;
  #loss: LossPanel | null = null;
  #elsewhere: ElsewherePanel | null = null;
  readonly #offs: (() => void)[];

  constructor(
    private readonly session: ArenaSession,
    private readonly services: Services,
    private readonly lossView: () => { x: number; y: number; others: string[] },
    delayedCall: (ms: number, fn: () => void) => void,
  ) {
    const { shell, sessions } = services;
    shell.setMode('playing');
    shell.session.reset(session.connection.roomId, session.mode);
    shell.session.setReseat(session.reseatMs);
    shell.setSeat(null, session.connection.roomId, false);
    shell.notice.hide();
    if (!session.wasRecovered) {
      shell.recovery.hide();
      shell.session.setRecovery(null);
    }
    if (session.reseatMs !== null) toast(`Seated again in ${Math.round(session.reseatMs)} ms.`, 'info', 4000);
    let banner: { attempt: (n: number) => void } | null = null;
    this.#offs = [
      session.on('node', (info) => {
        shell.session.setNode(info);
        shell.setSeat(info.nodeId, info.roomId, !session.lost);
      }),
      session.on('phase', (phase, previous) => {
        shell.setMode(phase === 'results' ? 'results' : 'playing');
        if (phase === 'playing' && previous === 'results') {
          this.#dropResults();
          toast('A new match has started. Go!', 'info', 2500);
        }
      }),
      session.on('results', (r) => {
        this.#showResults(r);
        // The node records results asynchronously: read the board once now and once when it has surely landed.
        const refresh = () => void shell.leaderboard.refresh(sessions.current?.playerId ?? null);
        refresh();
        delayedCall(1500, refresh);
      }),
      session.on('recorded', ({ matchId, status }) => {
        if (this.#results?.matchId === matchId) this.#results.panel.setRecorded(status);
        if (status === 'recorded') void shell.leaderboard.refresh(sessions.current?.playerId ?? null);
        // A stale copy retires a moment later and the results card goes with it: say it where it stays a while.
        if (status === 'stale') toast('This copy of the match was stale: its results were not recorded (only the live copy\'s count).', 'warn', 6000);
      }),
      session.on('elsewhere', () => {
        this.#dropResults();
        shell.notice.hide();
        shell.recovery.hide();
        shell.setSeat(null, null, false);
        this.#elsewhere = new ElsewherePanel(shell.overlay, session.connection.roomId);
      }),
      session.on('notice', (e) => toast(e.message, 'warn')),
      session.on('draining', (nodeId) => {
        if (session.mode === 'stateful') shell.notice.show(`Your host ${nodeId} is draining: this is the last match here.`);
        else toast(`Host ${nodeId} is draining: your room will be handed over to another node.`, 'info', 4000);
      }),
      session.on('lost', (loss) => {
        this.#dropResults();
        shell.notice.hide();
        shell.recovery.hide();
        shell.session.setRecovery(null);
        shell.setSeat(loss.loss.nodeId, null, false);
        if (loss.recovering) {
          banner = shell.recovery.recovering({ fromNode: loss.loss.nodeId, cause: loss.cause, detectedMs: loss.detectedMs, since: loss.fault?.at ?? loss.loss.detectedAt });
        }
      }),
      session.on('attempt', (n) => banner?.attempt(n)),
      session.on('recovered', (summary) => {
        shell.recovery.recovered(summary);
        shell.session.setRecovery(summary);
      }),
      session.on('final', (loss, note) => {
        if (note !== null) shell.recovery.hide();
        this.#showLoss(loss, note);
      }),
    ];
  }

  /** Per frame: the HUD's clock, round trip and silence, and the results card's countdown. */
  tick(timeLeftMs: number, rttMs: number | null, silenceMs: number): void {
    const { shell } = this.services;
    shell.session.tick(rttMs, silenceMs, this.session.lost);
    const now = performance.now();
    shell.store.set(this.session.lost ? null : storeLine(this.session.store.view(now), this.session.connection.node?.nodeId ?? null, now, this.session.following));
    this.#results?.panel.tick(timeLeftMs);
  }

  destroy(): void {
    for (const off of this.#offs) off();
    const { shell } = this.services;
    shell.setSeat(null, null, false);
    shell.notice.hide();
    shell.store.set(null);
    this.#dropResults();
    this.#loss?.destroy();
    this.#loss = null;
    this.#elsewhere?.destroy();
    this.#elsewhere = null;
  }

  #showResults(result: MatchResult): void {
    this.#results?.panel.destroy();
    const { shell, sessions } = this.services;
    const panel = new ResultsPanel(shell.overlay, result, sessions.current?.playerId ?? null, this.session.connection.node?.nodeId ?? null);
    panel.setRecorded(this.session.recorded.get(result.matchId) ?? null);
    this.#results = { matchId: result.matchId, panel };
  }

  #dropResults(): void {
    this.#results?.panel.destroy();
    this.#results = null;
  }

  #showLoss(l: SessionLoss, note: string | null): void {
    const { shell, sessions, api, prefs } = this.services;
    const { loss, fault, detectedMs } = l;
    const apiOkBase = fault ? fault.apiOkAtPress : api.succeeded;
    const me = this.session.state?.players.get(this.session.connection.sessionId);
    const { x, y, others } = this.lossView();
    const session = sessions.current;
    const panel = new LossPanel(shell.overlay, {
      nodeId: loss.nodeId, roomId: this.session.connection.roomId, mode: this.session.mode, reason: loss.reason, code: loss.code,
      detectedMs, detectedFrom: fault ? 'fault-button' : 'last-message', fault: fault?.fault ?? null,
      lost: { score: me?.score ?? 0, x, y, playedMs: l.playedMs, others },
      survived: { name: session?.name ?? prefs.name, playerId: session?.playerId ?? null },
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
    panel.setBusy(true, 'Looking for a healthy game node…');
    const outcome = await this.session.findNewMatch((attempt) => panel.setBusy(true, `That node did not answer; trying another (attempt ${attempt})…`));
    if (outcome.ok) return;
    panel.setBusy(false);
    panel.setStatus(describeError(outcome.error), true);
  }
}
