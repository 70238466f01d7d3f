import { h } from './dom';

export interface LossDetails {
  nodeId: string | null;
  roomId: string;
  mode: string;
  code: number;
}

/**
 * Shown the moment the host connection drops. Deliberately its own module:
 * recovery (resume from a checkpoint, automatic rejoin) will grow here.
 */
export class LossPanel {
  readonly root: HTMLElement;
  readonly #button: HTMLButtonElement;
  readonly #status = h('p', { class: 'status', role: 'status' });

  constructor(host: HTMLElement, details: LossDetails, onFindMatch: () => void) {
    this.#button = h('button', { type: 'button', class: 'primary', 'data-testid': 'find-new-match' }, 'Find a new match');
    this.#button.addEventListener('click', onFindMatch);
    const node = details.nodeId ?? 'unknown node';
    this.root = h('div', { class: 'card loss', role: 'alertdialog', 'aria-labelledby': 'loss-title', 'data-testid': 'loss-panel' },
      h('h1', { id: 'loss-title' }, 'Your session was lost'),
      h('p', { class: 'lead' }, 'The game node hosting your match stopped answering.'),
      h('dl', {},
        h('dt', {}, 'Host node'), h('dd', { class: 'mono accent', 'data-testid': 'loss-node-id' }, node),
        h('dt', {}, 'Room'), h('dd', { class: 'mono' }, details.roomId),
        h('dt', {}, 'Mode'), h('dd', { class: 'mono' }, details.mode),
        h('dt', {}, 'Close code'), h('dd', { class: 'mono' }, String(details.code))),
      h('p', { class: 'muted' }, details.mode === 'stateful'
        ? 'In stateful mode the match existed only in that node\'s memory, so it is gone with it.'
        : 'This match was checkpointed: its last snapshot is safe in Redis.'),
      this.#button,
      this.#status);
    host.append(this.root);
    this.#button.focus();
  }

  setBusy(busy: boolean, status = ''): void {
    this.#button.disabled = busy;
    this.#button.textContent = busy ? 'Finding a match…' : 'Find a new match';
    this.setStatus(status, false);
  }

  setStatus(text: string, isError: boolean): void {
    this.#status.textContent = text;
    this.#status.classList.toggle('error', isError);
  }

  destroy(): void {
    this.root.remove();
  }
}
