import type { ClusterView } from '../net/cluster';
import type { ActiveNetworkFault, NetworkFault } from '../net/control';
import { h, setText } from './dom';

/** The latency the "slow store" button adds each way between a node and the store. */
export const SLOW_STORE_MS = 300;

const NODE_BUTTONS = [
  { fault: 'partition', label: 'Partition from store' },
  { fault: 'isolate', label: 'Isolate' },
  { fault: 'slow', label: `Slow store ${SLOW_STORE_MS} ms`, ms: SLOW_STORE_MS },
  { fault: 'heal', label: 'Heal' },
] as const satisfies readonly { fault: NetworkFault; label: string; ms?: number }[];

export type InjectNetwork = (fault: NetworkFault, target: string, ms?: number) => void;

/** The active network faults on `target`, for a person: "partitioned from the store 3 s · ...". */
export function describeNetworkFaults(faults: readonly ActiveNetworkFault[], target: string, now = Date.now()): string {
  const secs = (since: number) => `${Math.max(0, Math.floor((now - since) / 1000))} s`;
  return faults.filter((f) => f.target === target).map((f) => {
    switch (f.kind) {
      case 'partition': return target === 'redis' ? `store partitioned from every process for ${secs(f.since)}` : `partitioned from the store for ${secs(f.since)}`;
      case 'isolate': return `isolated from the store and its players for ${secs(f.since)}`;
      case 'slow': return `store +${f.ms ?? '?'} ms each way for ${secs(f.since)}`;
    }
  }).join(' · ');
}

/**
 * A game node's network fault buttons and its active network faults, in its cluster map row.
 * Hidden until the supervisor says it has network faults (GET /network).
 */
export class NodeNetworkFaults {
  readonly root: HTMLElement;
  readonly #active: HTMLElement;
  readonly #buttons = new Map<NetworkFault, HTMLButtonElement>();

  constructor(private readonly id: string, inject: InjectNetwork) {
    const actions = h('div', { class: 'faults net-faults' });
    for (const b of NODE_BUTTONS) {
      const button = h('button', { type: 'button', class: `fault fault-net fault-${b.fault}`, 'data-testid': `fault-${b.fault}-${id}`, title: `${b.label}: ${id}` }, b.label);
      button.addEventListener('click', () => inject(b.fault, id, 'ms' in b ? b.ms : undefined));
      this.#buttons.set(b.fault, button);
      actions.append(button);
    }
    this.#active = h('p', { class: 'net-active small warn', 'data-testid': `net-faults-${id}`, hidden: true });
    this.root = h('div', { class: 'net', hidden: true }, actions, this.#active);
  }

  /** `running`: the node's process is up (a dead node has no connections to fault). */
  update(network: ClusterView['network'], running: boolean): void {
    const status = network !== null && network !== 'unsupported' ? network : null;
    this.root.hidden = status === null;
    if (!status) return;
    const mine = status.faults.filter((f) => f.target === this.id);
    const has = (kind: ActiveNetworkFault['kind']) => mine.some((f) => f.kind === kind);
    this.#buttons.get('partition')!.disabled = !running || has('partition') || has('isolate');
    this.#buttons.get('isolate')!.disabled = !running || has('isolate');
    this.#buttons.get('slow')!.disabled = !running || has('slow') || has('partition') || has('isolate');
    this.#buttons.get('heal')!.disabled = mine.length === 0;
    const text = describeNetworkFaults(status.faults, this.id);
    this.#active.hidden = text === '';
    setText(this.#active, text === '' ? '' : `network: ${text}`);
  }
}

/**
 * The cluster's fencing switch (on by default) with what turning it off shows, or, when the
 * supervisor has no network faults, a line that says so.
 */
export class FencingToggle {
  readonly root: HTMLElement;
  readonly #input = h('input', { type: 'checkbox', 'data-testid': 'fencing-toggle', checked: true, disabled: true });
  readonly #state = h('span', { class: 'mono', 'data-testid': 'fencing-state' }, '…');
  readonly #body: HTMLElement;
  readonly #none = h('p', { class: 'muted small', 'data-testid': 'network-faults-off', hidden: true });
  #busy = false;

  constructor(host: HTMLElement, hasControl: boolean, setFencing: (on: boolean) => Promise<void>) {
    this.#input.addEventListener('change', () => {
      const on = this.#input.checked;
      this.#busy = true;
      this.#input.disabled = true;
      void setFencing(on).finally(() => {
        this.#busy = false;
        this.#input.disabled = false;
      });
    });
    this.#body = h('div', { class: 'fencing', hidden: true },
      h('label', { class: 'fencing-switch' }, this.#input, ' Fencing ', this.#state),
      h('p', { class: 'muted small' }, 'off: a host cut off from the store plays on — watch split brain'));
    this.root = h('div', { class: 'network', 'data-testid': 'cluster-network' }, this.#body, this.#none);
    host.append(this.root);
    if (!hasControl) this.update('unsupported', 'Network faults are off: this page was not offered the supervisor\'s control endpoint.');
  }

  update(network: ClusterView['network'], why = 'Network faults are off: this supervisor has no network faults.'): void {
    const status = network !== null && network !== 'unsupported' ? network : null;
    this.#body.hidden = status === null;
    this.#none.hidden = network !== 'unsupported';
    setText(this.#none, why);
    if (!status) return;
    this.root.dataset.fencing = status.fencing ? 'on' : 'off';
    setText(this.#state, status.fencing ? 'on' : 'off');
    this.#body.classList.toggle('warn', !status.fencing);
    if (!this.#busy) {
      this.#input.checked = status.fencing;
      this.#input.disabled = false;
    }
  }
}
