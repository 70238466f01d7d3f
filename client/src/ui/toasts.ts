import { byId, h } from './dom';

/** Unobtrusive notices in a corner (server protocol errors, API hiccups); they fade by themselves. */
export function toast(message: string, kind: 'info' | 'warn' | 'error' = 'info', ttlMs = 5000): void {
  const host = byId('toasts');
  const el = h('div', { class: `toast toast-${kind}`, role: 'status' }, message);
  host.append(el);
  while (host.children.length > 4) host.firstElementChild?.remove();
  setTimeout(() => {
    el.classList.add('leaving');
    setTimeout(() => el.remove(), 400);
  }, ttlMs);
}
