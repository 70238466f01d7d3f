import { h } from './dom';

/**
 * The player opened this match again in another tab or window, and the host
 * closed this older connection (close code 4102). Nothing here reconnects or
 * rematches: that would close the other tab in turn, and the two would take
 * turns evicting each other.
 */
export class ElsewherePanel {
  readonly root: HTMLElement;

  constructor(host: HTMLElement, roomId: string) {
    this.root = h('div', { class: 'card loss elsewhere', role: 'alertdialog', 'aria-labelledby': 'elsewhere-title', 'data-testid': 'elsewhere-panel' },
      h('h1', { id: 'elsewhere-title' }, 'Playing in another tab'),
      h('p', { class: 'lead', 'data-testid': 'elsewhere-text' }, 'You opened this match in another tab or window: this one is closed.'),
      h('p', { class: 'muted' }, 'Your player, score and place in room ', h('span', { class: 'mono' }, roomId),
        ' carry on there. To play here instead, reload this page: that closes the other one.'));
    host.append(this.root);
  }

  destroy(): void {
    this.root.remove();
  }
}
