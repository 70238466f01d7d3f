import type { ApiView, ClusterMonitor, ClusterView, NodeView } from '../net/cluster';
import type { IngressPoolWatch } from '../net/ingressPool';
import { STORE_TARGET, type ControlClient, type Fault, type NetworkFault } from '../net/control';
import type { StoreHealth } from '../net/storeHealth';
import { publish } from '../testHook';
import { h, setText } from './dom';
import { FencingToggle, NodeNetworkFaults } from './networkFaults';
import { PoolCard } from './poolCard';
import { StoreCard } from './storeCard';
import { toast } from './toasts';

const NODE_FAULTS: Fault[] = ['kill', 'freeze', 'thaw', 'restart', 'drain'];
const API_FAULTS: Fault[] = ['kill', 'restart'];
/** How long a room that just changed nodes stays highlighted on the map. */
const MOVE_HIGHLIGHT_MS = 4000;
const MODE_TAG: Record<string, string> = { stateful: 'stateful', checkpointed: 'ckpt' };

interface Row {
  root: HTMLElement;
  state: HTMLElement;
  detail: HTMLElement;
  rooms: HTMLElement;
  buttons: Map<Fault, HTMLButtonElement>;
  /** Game nodes only, with a control endpoint. */
  network: NodeNetworkFaults | null;
}

/**
 * The live cluster map: every game node with its state, rooms and players,
 * every API instance with the requests it served, the player's own node and
 * room highlighted, and (when the supervisor offers its control endpoint)
 * fault buttons per process. Rows are kept and updated in place, so a button
 * never moves under the pointer between two polls.
 */
export class ClusterPanel {
  readonly root: HTMLElement;
  readonly #nodes = h('ul', { class: 'cluster-list', 'data-testid': 'cluster-nodes' });
  readonly #apis = h('ul', { class: 'cluster-list', 'data-testid': 'cluster-apis' });
  readonly #note = h('p', { class: 'cluster-note muted' });
  readonly #nodeRows = new Map<string, Row>();
  readonly #apiRows = new Map<string, Row>();
  #mine: { nodeId: string | null; roomId: string | null } = { nodeId: null, roomId: null };
  #view: ClusterView | null = null;
  /** Last node each room was seen on, to notice a room moving. */
  readonly #homes = new Map<string, string>();
  /** Rooms that just moved: from where, and until when (performance.now()) to highlight them. */
  readonly #moves = new Map<string, { from: string; until: number }>();

  readonly #store: StoreCard;
  readonly #fencing: FencingToggle;

  constructor(host: HTMLElement, private readonly monitor: ClusterMonitor, private readonly control: ControlClient | null, private readonly store: StoreHealth, pool?: IngressPoolWatch) {
    this.root = h('section', { class: 'panel cluster', 'data-testid': 'cluster-map' },
      h('h2', {}, 'Cluster'),
      h('h3', {}, 'Game nodes'), this.#nodes,
      h('h3', {}, 'API instances'), this.#apis);
    if (pool) new PoolCard(this.root, pool);
    this.#store = new StoreCard(this.root, control !== null, (fault, target) => void this.inject(fault, target ?? STORE_TARGET));
    this.#fencing = new FencingToggle(this.root, control !== null, (on) => this.#setFencing(on));
    this.root.append(this.#note);
    host.append(this.root);
    monitor.onUpdate((view) => this.#render(view));
    this.#store.setHealth(store.view);
    store.onChange((view) => this.#store.setHealth(view));
  }

  /** The player's own seat, highlighted on the map (nulls in the lobby). */
  setMine(nodeId: string | null, roomId: string | null): void {
    this.#mine = { nodeId, roomId };
    if (this.#view) this.#render(this.#view);
  }

  async inject(fault: Fault | NetworkFault, target: string, ms?: number): Promise<void> {
    if (!this.control) return;
    try {
      const { message } = await this.control.inject(fault, target, ms);
      toast(message, fault === 'thaw' || fault === 'restart' || fault === 'heal' ? 'info' : 'warn', 3000);
    } catch (err) {
      toast(err instanceof Error ? err.message : String(err), 'error');
    } finally {
      this.monitor.poke();
      if (target === STORE_TARGET) this.store.poke();
    }
  }

  async #setFencing(on: boolean): Promise<void> {
    if (!this.control) return;
    try {
      toast((await this.control.setFencing(on)).message, on ? 'info' : 'warn', 4000);
    } catch (err) {
      toast(err instanceof Error ? err.message : String(err), 'error');
    } finally {
      this.monitor.poke();
    }
  }

  #render(view: ClusterView): void {
    this.#view = view;
    this.#trackMoves(view);
    sync(this.#nodeRows, this.#nodes, view.nodes.map((n) => n.id), (id) => this.#row(id, 'node', NODE_FAULTS));
    sync(this.#apiRows, this.#apis, view.apis.map((a) => a.id), (id) => this.#row(id, 'api', API_FAULTS));
    for (const n of view.nodes) this.#updateNode(this.#nodeRows.get(n.id)!, n);
    for (const a of view.apis) this.#updateApi(this.#apiRows.get(a.id)!, a);
    this.#store.setCluster(view);
    this.#fencing.update(view.network);
    setText(this.#note, view.apiDown
      ? 'No API instance answered: showing the last known map.'
      : view.storeDown
        ? 'The store is unreachable, so the API cannot read the cluster: showing the last map read before the outage.'
        : `Read from ${view.servedBy ?? '?'} · every 0.5 s${this.control ? '' : ' · fault injection off'}`);
    this.#note.classList.toggle('warn', view.apiDown || view.storeDown);
    publish({ clusterNodes: view.nodes.map((n) => ({ id: n.id, state: n.state })) });
  }

  /** A room listed on another node than last time has moved: remember from where, for a few seconds. */
  #trackMoves(view: ClusterView): void {
    const now = performance.now();
    for (const n of view.nodes) {
      for (const r of n.rooms) {
        const before = this.#homes.get(r.id);
        if (before !== undefined && before !== n.id) this.#moves.set(r.id, { from: before, until: now + MOVE_HIGHLIGHT_MS });
        this.#homes.set(r.id, n.id);
      }
    }
    for (const [id, m] of this.#moves) if (m.until <= now) this.#moves.delete(id);
  }

  #row(id: string, kind: 'node' | 'api', faults: Fault[]): Row {
    const state = h('span', { class: 'state', 'data-testid': `cluster-state-${id}` });
    const detail = h('span', { class: 'detail muted' });
    const rooms = h('div', { class: 'rooms' });
    const buttons = new Map<Fault, HTMLButtonElement>();
    const actions = h('div', { class: 'faults' });
    if (this.control) {
      for (const f of faults) {
        const b = h('button', { type: 'button', class: `fault fault-${f}`, 'data-testid': `fault-${f}-${id}`, title: `${f} ${id}` }, f);
        b.addEventListener('click', () => void this.inject(f, id));
        buttons.set(f, b);
        actions.append(b);
      }
    }
    const network = this.control && kind === 'node' ? new NodeNetworkFaults(id, (f, target, ms) => void this.inject(f, target, ms)) : null;
    const root = h('li', { class: `cluster-row ${kind}`, 'data-testid': `cluster-${id}` },
      h('div', { class: 'row-head' }, h('span', { class: 'mono id' }, id), state, detail),
      rooms,
      buttons.size > 0 ? actions : null,
      network?.root);
    return { root, state, detail, rooms, buttons, network };
  }

  #updateNode(row: Row, n: NodeView): void {
    const mine = n.id === this.#mine.nodeId;
    row.root.classList.toggle('mine', mine);
    row.root.dataset.state = n.state;
    setText(row.state, n.state);
    row.state.className = `state state-${n.state}`;
    const exit = n.state === 'dead' && n.process?.lastExit ? ` · ${n.process.lastExit}` : '';
    setText(row.detail, `${n.rooms.length} room${n.rooms.length === 1 ? '' : 's'} · ${n.players} player${n.players === 1 ? '' : 's'}${exit}`);
    const now = performance.now();
    const movedFrom = (id: string) => {
      const m = this.#moves.get(id);
      return m && m.until > now ? m.from : null;
    };
    const roomKey = n.rooms.map((r) => `${r.id}:${r.mode}:${r.players}:${r.id === this.#mine.roomId}:${movedFrom(r.id) ?? ''}`).join('|');
    if (row.rooms.dataset.key !== roomKey) {
      row.rooms.dataset.key = roomKey;
      row.rooms.replaceChildren(...n.rooms.map((r) => {
        const mine = r.id === this.#mine.roomId;
        const from = movedFrom(r.id);
        return h('span', {
          class: `room mono mode-${r.mode}${mine ? ' mine' : ''}${from ? ' moved' : ''}`,
          title: `${r.mode} room${from ? `, just moved here from ${from}` : ''}`,
          'data-testid': `cluster-room-${r.id}`, 'data-mode': r.mode, 'data-moved-from': from ?? undefined,
        }, h('span', { class: 'room-mode' }, MODE_TAG[r.mode] ?? r.mode), ` ${r.id} (${r.players})${from ? ` ← moved from ${from}` : ''}${mine ? ' ← you' : ''}`);
      }));
    }
    const ps = n.process?.state ?? null;
    const running = ps !== null && ps !== 'dead';
    enable(row.buttons, {
      kill: running, freeze: ps === 'alive' || ps === 'draining', thaw: ps === 'frozen', restart: ps === 'dead', drain: ps === 'alive',
    });
    row.network?.update(this.#view?.network ?? null, running);
  }

  #updateApi(row: Row, a: ApiView): void {
    const state = a.alive ? 'alive' : a.process?.state === 'frozen' ? 'frozen' : 'dead';
    row.root.dataset.state = state;
    setText(row.state, state);
    row.state.className = `state state-${state}`;
    setText(row.detail, a.requests === null ? '' : `${a.requests} requests served`);
    const ps = a.process?.state ?? null;
    enable(row.buttons, { kill: ps !== null && ps !== 'dead', restart: ps === 'dead' });
  }
}

function enable(buttons: Map<Fault, HTMLButtonElement>, which: Partial<Record<Fault, boolean>>): void {
  for (const [f, b] of buttons) b.disabled = !which[f];
}

function sync(rows: Map<string, Row>, list: HTMLElement, ids: string[], make: (id: string) => Row): void {
  for (const [id, row] of rows) {
    if (ids.includes(id)) continue;
    row.root.remove();
    rows.delete(id);
  }
  ids.forEach((id, i) => {
    let row = rows.get(id);
    if (!row) {
      row = make(id);
      rows.set(id, row);
    }
    if (list.children[i] !== row.root) list.insertBefore(row.root, list.children[i] ?? null);
  });
}
