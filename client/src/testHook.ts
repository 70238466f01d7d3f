/**
 * Read-only snapshot for browser tests: `window.__statecraft`. Every read
 * returns a frozen copy, so a test can never steer the game through it.
 */
export interface StatecraftSnapshot {
  phase: 'lobby' | 'connecting' | 'playing' | 'results' | 'lost';
  roomId: string | null;
  nodeId: string | null;
  playerId: string | null;
  x: number;
  y: number;
  score: number;
  connected: boolean;
  /** Names of every player drawn in the arena, including this one. */
  players: string[];
}

declare global {
  interface Window {
    readonly __statecraft: Readonly<StatecraftSnapshot>;
  }
}

const current: StatecraftSnapshot = {
  phase: 'lobby', roomId: null, nodeId: null, playerId: null, x: 0, y: 0, score: 0, connected: false, players: [],
};

Object.defineProperty(window, '__statecraft', {
  get: () => Object.freeze({ ...current, players: Object.freeze([...current.players]) }),
  configurable: false,
});

export function publish(patch: Partial<StatecraftSnapshot>): void {
  Object.assign(current, patch);
}
