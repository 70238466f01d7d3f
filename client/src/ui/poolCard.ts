import type { IngressPoolWatch, PoolMemberView, PoolView } from '../net/ingressPool';
import { h, setText } from './dom';

const STATE_TEXT: Record<PoolMemberView['state'], string> = { ready: 'in pool', unready: 'out: not ready', down: 'out: no answer' };

/**
 * The balancer's pool on the cluster map: which API instances the entry point
 * sends `/api` requests to right now, and why the others are out. It is the
 * balancer's own view (its health checks), next to the API's view of the
 * processes above it.
 */
export class PoolCard {
  readonly root: HTMLElement;
  readonly #list = h('ul', { class: 'cluster-list', 'data-testid': 'ingress-pool' });
  readonly #note = h('p', { class: 'muted small', 'data-testid': 'ingress-pool-note' });

  constructor(host: HTMLElement, watch: IngressPoolWatch) {
    this.root = h('section', { class: 'pool' }, h('h3', {}, 'Balancer pool (/api)'), this.#list, this.#note);
    host.append(this.root);
    watch.onChange((view) => this.#render(view));
  }

  #render(view: PoolView): void {
    if (!view.available) {
      this.#list.replaceChildren();
      setText(this.#note, 'This entry point does not show its pool.');
      return;
    }
    this.#list.replaceChildren(...view.members.map((m) => h('li', {
      class: `cluster-row api pool-${m.state}`, 'data-testid': `pool-${m.id}`, 'data-state': m.state,
    }, h('div', { class: 'row-head' },
      h('span', { class: 'mono id' }, m.id),
      h('span', { class: `state state-${m.state === 'ready' ? 'alive' : 'dead'}` }, STATE_TEXT[m.state]),
      h('span', { class: 'detail muted' }, `${m.target} · for ${(Math.max(0, view.at - m.since) / 1000).toFixed(1)} s${m.reason && m.state !== 'ready' ? ` · ${m.reason}` : ''}`)))));
    const inPool = view.members.filter((m) => m.state === 'ready').length;
    setText(this.#note, `${inPool} of ${view.members.length} in the pool · health check every 0.25 s · round robin`);
  }
}
