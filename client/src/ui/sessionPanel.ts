import { HEARTBEAT, type NodeInfo } from '../../../shared/protocol';
import type { RecoverySummary } from '../game/recovery';
import { formatDuration, h, setText } from './dom';
import { recoveryList } from './recoveryBanner';

const MODE_BLURB: Record<string, string> = {
  stateful: 'Lives only in the memory of one game node.',
  checkpointed: 'The node saves snapshots to Redis as you play: if it dies, the room resumes on another node.',
};

/** "Where your session lives": the room, its host node, and the API instance that last answered. */
export class SessionPanel {
  readonly root: HTMLElement;
  readonly #mode = h('dd', { class: 'mono', 'data-testid': 'session-mode' });
  readonly #epochLabel = h('dt', { hidden: true }, 'Epoch');
  readonly #epoch = h('dd', { class: 'mono', 'data-testid': 'hud-epoch', hidden: true });
  readonly #recovery = h('section', { class: 'session-recovery', 'data-testid': 'session-recovery', hidden: true });
  readonly #blurb = h('p', { class: 'blurb' });
  readonly #room = h('dd', { 'data-testid': 'hud-room-id', class: 'mono' });
  readonly #node = h('dd', { 'data-testid': 'hud-node-id', class: 'mono accent' });
  readonly #pid = h('dd', { class: 'mono' });
  readonly #uptime = h('dd', { class: 'mono' });
  readonly #address = h('dd', { class: 'mono' });
  readonly #pinned = h('dd', { class: 'mono', 'data-testid': 'hud-pinned' });
  readonly #ping = h('dd', { 'data-testid': 'hud-ping', class: 'mono' });
  readonly #api = h('dd', { 'data-testid': 'hud-api-instance', class: 'mono' }, '—');
  readonly #reseatLabel = h('dt', { hidden: true }, 'New seat took');
  readonly #reseat = h('dd', { 'data-testid': 'hud-reseat-ms', class: 'mono ok', hidden: true });
  #info: NodeInfo | null = null;

  constructor(host: HTMLElement) {
    this.root = h('section', { class: 'panel session', hidden: true },
      h('h2', {}, 'Where your session lives'),
      this.#blurb,
      h('dl', {},
        h('dt', {}, 'Mode'), this.#mode,
        h('dt', {}, 'Room'), this.#room,
        h('dt', {}, 'Host node'), this.#node,
        this.#epochLabel, this.#epoch,
        h('dt', {}, 'Process id'), this.#pid,
        h('dt', {}, 'Node uptime'), this.#uptime,
        h('dt', {}, 'Server'), this.#address,
        h('dt', {}, 'Game traffic'), this.#pinned,
        h('dt', {}, 'Ping'), this.#ping,
        h('dt', {}, 'API instance'), this.#api,
        this.#reseatLabel, this.#reseat,
      ),
      this.#recovery);
    host.append(this.root);
  }

  show(visible: boolean): void {
    this.root.hidden = !visible;
  }

  /** Before the node introduces itself we only know the room. */
  reset(roomId: string, mode: string): void {
    this.#info = null;
    setText(this.#mode, mode);
    setText(this.#blurb, MODE_BLURB[mode] ?? '');
    setText(this.#room, roomId);
    for (const el of [this.#node, this.#pid, this.#uptime, this.#address, this.#pinned, this.#ping]) setText(el, '…');
    this.root.classList.remove('lost');
  }

  setNode(info: NodeInfo): void {
    this.#info = info;
    setText(this.#mode, info.mode);
    setText(this.#blurb, MODE_BLURB[info.mode] ?? '');
    setText(this.#room, info.roomId);
    setText(this.#node, info.nodeId);
    setText(this.#pid, String(info.pid));
    setText(this.#address, info.address);
    setText(this.#pinned, pinnedLine(info.nodeId, info.address));
    this.#epochLabel.hidden = info.epoch === null;
    this.#epoch.hidden = info.epoch === null;
    setText(this.#epoch, info.epoch === null ? '' : String(info.epoch));
  }

  /** The last recovery's numbers: kept in view until the next loss (null clears them). */
  setRecovery(summary: RecoverySummary | null): void {
    this.#recovery.hidden = summary === null;
    this.#recovery.replaceChildren(...(summary ? [h('h3', {}, summary.cause === 'drain' ? 'Last hand-off' : 'Last recovery'), recoveryList(summary, 'session-recovery')] : []));
  }

  /** After "Find a new match": how long the new seat took (null hides the row). */
  setReseat(ms: number | null): void {
    this.#reseatLabel.hidden = ms === null;
    this.#reseat.hidden = ms === null;
    if (ms !== null) setText(this.#reseat, `${Math.round(ms)} ms`);
  }

  setApiInstance(instance: string): void {
    setText(this.#api, instance);
  }

  /** Per frame: uptime ticks, ping turns into a warning when the host goes quiet. */
  tick(rttMs: number | null, silenceMs: number, lost: boolean): void {
    if (this.#info) setText(this.#uptime, formatDuration(Date.now() - this.#info.startedAt));
    const silent = silenceMs > HEARTBEAT.silenceMs;
    this.#ping.classList.toggle('warn', silent || lost);
    if (lost) setText(this.#ping, 'disconnected');
    else if (silent) setText(this.#ping, `no reply for ${(silenceMs / 1000).toFixed(1)} s`);
    else setText(this.#ping, rttMs === null ? '…' : `${Math.round(rttMs)} ms`);
    this.root.classList.toggle('lost', lost);
  }
}

/**
 * "pinned to node-2 via /node-2": behind the ingress every socket of this seat goes to the
 * route its host advertises, so the match stays on that node until the node is gone.
 */
export function pinnedLine(nodeId: string, address: string): string {
  const slash = address.indexOf('/');
  return slash >= 0 ? `pinned to ${nodeId} via ${address.slice(slash)}` : `pinned to ${nodeId}, straight to ${address}`;
}
