import { h, setText } from './dom';

/**
 * The HUD's store line over the arena (see game/storeStatus.ts storeLine): a
 * warning while the room cannot save, a short "store back" note after. Set
 * every frame; changes the DOM only when the text does.
 */
export class StoreBanner {
  readonly root: HTMLElement;

  constructor(host: HTMLElement) {
    this.root = h('div', { class: 'store-banner', role: 'status', 'aria-live': 'polite', 'data-testid': 'hud-store', hidden: true });
    host.append(this.root);
  }

  set(line: { text: string; kind: 'warn' | 'ok' } | null): void {
    this.root.hidden = line === null;
    if (!line) return;
    setText(this.root, line.text);
    if (this.root.dataset.kind !== line.kind) this.root.dataset.kind = line.kind;
  }
}
