import type { IdentityReplaced } from '../net/session';
import { h } from './dom';

/**
 * Says, and keeps saying until dismissed, that the stored login could not be
 * kept and the player is now a new guest. A guest has no password to prove who
 * they were, so asking would offer no real choice: the page carries on as a new
 * guest, tells them plainly, and names what is kept (the old scores stay on the
 * leaderboard under the old player).
 */
export function showIdentityReplaced(host: HTMLElement, r: IdentityReplaced): void {
  host.querySelector('[data-testid="identity-notice"]')?.remove();
  const close = h('button', { type: 'button', class: 'link', 'aria-label': 'Dismiss' }, 'OK');
  const el = h('div', { class: 'identity-notice', role: 'alert', 'data-testid': 'identity-notice' },
    h('p', {}, `Your login could not be kept (${r.reason}): you are now playing as a new guest, `,
      h('strong', {}, r.next.name), ` (${r.next.playerId.slice(0, 8)}).`),
    h('p', { class: 'muted small' }, `Scores of your earlier guest (${r.previous.playerId.slice(0, 8)}) stay on the leaderboard; new matches count for the new one.`),
    close);
  close.addEventListener('click', () => el.remove());
  host.append(el);
}
