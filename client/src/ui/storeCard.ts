import type { ClusterView } from '../net/cluster';
import { STORE_PRIMARY_TARGET, type Fault, type NetworkFault, type ProcessInfo } from '../net/control';
import type { StoreView } from '../net/storeHealth';
import { h, setText } from './dom';
import { describeNetworkFaults } from './networkFaults';

const STORE_FAULTS = [
  { fault: 'kill', label: 'kill store' }, { fault: 'restart', label: 'restart store' },
  { fault: 'partition', label: 'partition store' }, { fault: 'heal', label: 'heal store' },
] as const satisfies readonly { fault: Fault | NetworkFault; label: string }[];

const STATE_TEXT: Record<StoreView['state'], string> = { up: 'up', down: 'down', unknown: '…', none: 'none (one process)' };

/**
 * The store (Redis) on the cluster map: where it is, whether the page can
 * reach it through the API (its /health/ready, and any redis/unavailable
 * answer), and buttons to kill and restart it when the supervisor manages it.
 * When the buttons are off, the card says why.
 */
export class StoreCard {
  readonly root: HTMLElement;
  readonly #state = h('span', { class: 'state', 'data-testid': 'store-state' });
  readonly #detail = h('span', { class: 'detail muted', 'data-testid': 'store-address' });
  readonly #why = h('p', { class: 'muted small', 'data-testid': 'store-faults-off', hidden: true });
  readonly #net = h('p', { class: 'net-active small warn', 'data-testid': 'net-faults-redis', hidden: true });
  readonly #buttons = new Map<Fault | NetworkFault, HTMLButtonElement>();
  readonly #killPrimary = h('button', { type: 'button', class: 'fault fault-kill', 'data-testid': 'store-kill-primary', hidden: true }, 'kill primary');
  #health: StoreView | null = null;
  #view: ClusterView | null = null;

  constructor(host: HTMLElement, private readonly hasControl: boolean, onFault: (fault: Fault | NetworkFault, target?: string) => void) {
    const actions = h('div', { class: 'faults' });
    // A replicated store fails over instead of going away: its one fault is the primary's SIGKILL.
    this.#killPrimary.addEventListener('click', () => onFault('kill', STORE_PRIMARY_TARGET));
    actions.append(this.#killPrimary);
    for (const { fault, label } of STORE_FAULTS) {
      const b = h('button', { type: 'button', class: `fault fault-${fault}`, 'data-testid': `store-${fault}`, disabled: true }, label);
      b.addEventListener('click', () => onFault(fault));
      this.#buttons.set(fault, b);
      actions.append(b);
    }
    this.root = h('li', { class: 'cluster-row store', 'data-testid': 'cluster-store' },
      h('div', { class: 'row-head' }, h('span', { class: 'mono id' }, 'redis'), this.#state, this.#detail),
      actions, this.#net, this.#why);
    host.append(h('h3', {}, 'Store'), h('ul', { class: 'cluster-list' }, this.root));
    this.#render();
  }

  setHealth(view: StoreView): void {
    this.#health = view;
    this.#render();
  }

  setCluster(view: ClusterView): void {
    this.#view = view;
    this.#render();
  }

  #render(): void {
    // Either sign of an outage counts: the cluster view's redis/unavailable arrives every 0.5 s.
    const seen = this.#view?.storeDown ? 'down' : (this.#health?.state ?? 'unknown');
    this.root.dataset.state = seen;
    setText(this.#state, STATE_TEXT[seen]);
    this.#state.className = `state state-${seen === 'up' ? 'alive' : seen === 'down' ? 'dead' : 'starting'}`;
    const proc = this.#view?.storeProcess ?? null;
    setText(this.#detail, [proc ? `port ${proc.port}` : null, proc?.pid ? `pid ${proc.pid}` : null, proc?.state === 'dead' && proc.lastExit ? proc.lastExit : null,
      this.#health && seen !== 'unknown' ? `as the API sees it (${this.#health.evidence})` : null].filter(Boolean).join(' · '));
    const net = this.#view?.network;
    const status = net !== null && net !== undefined && net !== 'unsupported' ? net : null;
    const why = faultsOff(this.hasControl, proc, status !== null);
    this.#why.hidden = why === null;
    setText(this.#why, why ?? '');
    const managed = why === null && proc !== null;
    const ha = proc?.mode === 'ha';
    this.#killPrimary.hidden = !(managed && ha);
    this.#killPrimary.disabled = proc?.state === 'dead';
    this.#button('kill').hidden = ha;
    this.#button('restart').hidden = ha;
    this.#button('kill').disabled = !(managed && proc.state !== 'dead');
    this.#button('restart').disabled = !(managed && proc.state === 'dead');
    // A partition goes through the fault points, so it works on any store, managed or not.
    const partitioned = status?.faults.some((f) => f.target === 'redis' && f.kind === 'partition') ?? false;
    this.#button('partition').hidden = status === null;
    this.#button('heal').hidden = status === null;
    this.#button('partition').disabled = partitioned;
    this.#button('heal').disabled = !partitioned;
    const text = status ? describeNetworkFaults(status.faults, 'redis') : '';
    this.#net.hidden = text === '';
    setText(this.#net, text === '' ? '' : `network: ${text}`);
  }

  #button(f: Fault | NetworkFault): HTMLButtonElement {
    return this.#buttons.get(f)!;
  }
}

/** Why the store's kill and restart are off, for a person (null: they are on); a partition works on any store. */
function faultsOff(hasControl: boolean, proc: ProcessInfo | null, canPartition: boolean): string | null {
  if (!hasControl) return 'Store faults are off: this page was not offered the supervisor\'s control endpoint.';
  const off = canPartition ? 'Kill and restart store are off' : 'Store faults are off';
  if (!proc) return `${off}: the supervisor lists no store it manages (its control endpoint has no redis target).`;
  if (proc.reason) return `${off}: ${proc.reason}`;
  return null;
}
