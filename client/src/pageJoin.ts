import type { JoinOptions } from './net/connection';

/**
 * How this page reaches a game node: over wss when the page itself is https, and at the page's
 * own host when a reservation names none (one-process mode). The only place the DOM-free client
 * library gets the page's location from.
 */
export function pageJoinOptions(): JoinOptions {
  return { secure: location.protocol === 'https:', fallbackHost: location.host };
}
