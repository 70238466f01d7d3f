import { ROOM_MODES, type RoomMode } from '../../../shared/protocol';
import { h } from './dom';

const NAME_PATTERN = /^[\p{L}\p{N} _.-]{1,16}$/u;

const MODE_TEXT: Record<RoomMode, { title: string; text: string }> = {
  stateful: { title: 'Stateful', text: 'Lives in one server\'s memory: fastest, but if that server dies the match dies with it.' },
  checkpointed: { title: 'Checkpointed', text: 'Saved to Redis every few hundred ms: if the server dies, the match resumes on another.' },
};

export interface LobbyChoice {
  name: string;
  mode: RoomMode;
}

/** The lobby card: name, server model, Play. */
export class LobbyPanel {
  readonly root: HTMLElement;
  readonly #name: HTMLInputElement;
  readonly #play: HTMLButtonElement;
  readonly #status = h('p', { class: 'status', role: 'status', 'data-testid': 'lobby-status' });
  readonly #store = h('p', { class: 'store-warning', role: 'status', 'data-testid': 'lobby-store', hidden: true },
    'store unreachable: login, matchmaking and leaderboards are paused; matches in progress continue');
  readonly #stop = h('button', { type: 'button', class: 'link', 'data-testid': 'stop-retrying', hidden: true }, 'Stop retrying');
  #mode: RoomMode = 'stateful';

  constructor(host: HTMLElement, defaults: { name: string; mode: RoomMode }, onPlay: (choice: LobbyChoice) => void, onStop: () => void) {
    this.#stop.addEventListener('click', onStop);
    this.#mode = defaults.mode;
    this.#name = h('input', {
      id: 'player-name', 'data-testid': 'name-input', maxlength: 16, autocomplete: 'nickname',
      placeholder: 'Your name', value: defaults.name, spellcheck: 'false',
    });
    this.#play = h('button', { type: 'submit', class: 'primary', 'data-testid': 'play-button' }, 'Play');
    const modes = h('div', { class: 'modes', role: 'radiogroup', 'aria-label': 'Server model' },
      ...ROOM_MODES.map((m) => {
        const input = h('input', { type: 'radio', name: 'mode', value: m, 'data-testid': `mode-${m}`, checked: m === this.#mode });
        input.addEventListener('change', () => {
          this.#mode = m;
        });
        return h('label', { class: 'mode' }, input,
          h('span', { class: 'mode-title' }, MODE_TEXT[m].title), h('span', { class: 'mode-text' }, MODE_TEXT[m].text));
      }));
    const form = h('form', { class: 'card lobby', novalidate: true },
      h('h1', {}, 'Orb Rush'),
      h('p', { class: 'lead' }, 'Collect orbs, dodge nobody, beat the clock. Golden orbs are worth five.'),
      this.#store,
      h('label', { for: 'player-name', class: 'field-label' }, 'Name'),
      this.#name,
      h('span', { class: 'field-label' }, 'Server model'),
      modes,
      this.#play,
      this.#status,
      this.#stop,
      h('p', { class: 'keys' }, 'Move with ', h('kbd', {}, 'W'), h('kbd', {}, 'A'), h('kbd', {}, 'S'), h('kbd', {}, 'D'), ' or the arrow keys.'));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const name = this.#name.value.trim();
      if (!NAME_PATTERN.test(name)) {
        this.setStatus('Pick a name of 1–16 letters, digits, spaces or _ . -', true);
        this.#name.focus();
        return;
      }
      onPlay({ name, mode: this.#mode });
    });
    this.root = form;
    host.append(form);
    this.#name.focus();
  }

  setBusy(busy: boolean, status = ''): void {
    this.#play.disabled = busy;
    this.#name.disabled = busy;
    this.#play.textContent = busy ? 'Finding a match…' : 'Play';
    this.#stop.hidden = true;
    this.setStatus(status, false);
  }

  /** Between two attempts while the store (or every API instance) is out: says so, and offers to stop. */
  setRetrying(status: string): void {
    this.#stop.hidden = false;
    this.setStatus(status, false);
  }

  /** The store as the page sees it: while it is down, the lobby says what is paused and what is not. */
  setStoreDown(down: boolean): void {
    this.#store.hidden = !down;
  }

  setStatus(text: string, isError: boolean): void {
    this.#status.textContent = text;
    this.#status.classList.toggle('error', isError);
  }

  destroy(): void {
    this.root.remove();
  }
}
