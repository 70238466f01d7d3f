import type { StatecraftSnapshot } from '../../shared/test-hook';

/**
 * Read-only snapshot for browser tests: `window.__statecraft` (shape in
 * shared/test-hook.ts). Every read returns a frozen copy, so a test can never
 * steer the game through it.
 */
declare global {
  interface Window {
    readonly __statecraft: Readonly<StatecraftSnapshot>;
  }
}

const current: StatecraftSnapshot = {
  phase: 'lobby', mode: null, roomId: null, nodeId: null, playerId: null, x: 0, y: 0, score: 0, connected: false, players: [],
  lost: null, recovery: null, clusterNodes: [], reseatMs: null,
};

Object.defineProperty(window, '__statecraft', {
  get: () => Object.freeze({
    ...current,
    players: Object.freeze([...current.players]),
    lost: current.lost ? Object.freeze({ ...current.lost }) : null,
    recovery: current.recovery ? Object.freeze({ ...current.recovery }) : null,
    clusterNodes: Object.freeze(current.clusterNodes.map((n) => Object.freeze({ ...n }))),
  }),
  configurable: false,
});

export function publish(patch: Partial<StatecraftSnapshot>): void {
  Object.assign(current, patch);
}
