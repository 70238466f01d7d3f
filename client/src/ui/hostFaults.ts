import type { Fault } from '../net/control';
import { h } from './dom';

/** The two big buttons over the arena while in a match: fail the node that hosts this very session. */
export class HostFaults {
  readonly root: HTMLElement;
  #nodeId: string | null = null;
  readonly #buttons: HTMLButtonElement[];

  constructor(host: HTMLElement, inject: (fault: Fault, target: string) => void) {
    const button = (fault: Fault, label: string) => {
      const b = h('button', { type: 'button', class: `host-fault host-fault-${fault}`, 'data-testid': `${fault}-my-host`, disabled: true }, label);
      b.addEventListener('click', () => {
        if (this.#nodeId) inject(fault, this.#nodeId);
      });
      return b;
    };
    this.#buttons = [button('kill', 'Kill my host'), button('freeze', 'Freeze my host')];
    this.root = h('div', { class: 'host-faults', hidden: true }, ...this.#buttons);
    host.append(this.root);
  }

  /** Shown while a match is on and its host is known; hidden otherwise. */
  setHost(nodeId: string | null): void {
    this.#nodeId = nodeId;
    this.root.hidden = nodeId === null;
    for (const b of this.#buttons) {
      b.disabled = nodeId === null;
      b.title = nodeId ? `${b.textContent ?? ''}: ${nodeId}` : '';
    }
  }
}
