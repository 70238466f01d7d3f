import type { ClusterView } from '../net/cluster';
import type { Fault, ProcessInfo } from '../net/control';
import type { StoreView } from '../net/storeHealth';
import { h, setText } from './dom';

const STORE_FAULTS = [{ fault: 'kill', label: 'kill store' }, { fault: 'restart', label: 'restart store' }] as const satisfies readonly { fault: Fault; label: string }[];

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
  readonly #buttons = new Map<Fault, HTMLButtonElement>();
  #health: StoreView | null = null;
  #view: ClusterView | null = null;

  constructor(host: HTMLElement, private readonly hasControl: boolean, onFault: (fault: Fault) => void) {
    const actions = h('div', { class: 'faults' });
    for (const { fault, label } of STORE_FAULTS) {
      const b = h('button', { type: 'button', class: `fault fault-${fault}`, 'data-testid': `store-${fault}`, disabled: true }, label);
      b.addEventListener('click', () => onFault(fault));
      this.#buttons.set(fault, b);
      actions.append(b);
    }
    this.root = h('li', { class: 'cluster-row store', 'data-testid': 'cluster-store' },
      h('div', { class: 'row-head' }, h('span', { class: 'mono id' }, 'redis'), this.#state, this.#detail),
      actions, this.#why);
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
    const why = faultsOff(this.hasControl, proc);
    this.#why.hidden = why === null;
    setText(this.#why, why ?? '');
    const managed = why === null && proc !== null;
    this.#button('kill').disabled = !(managed && proc.state !== 'dead');
    this.#button('restart').disabled = !(managed && proc.state === 'dead');
  }

  #button(f: Fault): HTMLButtonElement {
    return this.#buttons.get(f)!;
  }
}

/** Why the store's buttons are off, for a person (null: they are on). */
function faultsOff(hasControl: boolean, proc: ProcessInfo | null): string | null {
  if (!hasControl) return 'Store faults are off: this page was not offered the supervisor\'s control endpoint.';
  if (!proc) return 'Store faults are off: the supervisor lists no store it manages (its control endpoint has no redis target).';
  if (proc.reason) return `Store faults are off: ${proc.reason}`;
  return null;
}
