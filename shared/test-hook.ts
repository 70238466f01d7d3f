/**
 * Read-only snapshot for browser tests: `window.__statecraft`. The contract
 * between the client (client/src/testHook.ts publishes it) and the browser
 * tests (tests/support/browser.ts reads it). Pure data: no DOM, no Node.
 */
export interface StatecraftSnapshot {
  phase: 'lobby' | 'connecting' | 'playing' | 'results' | 'recovering' | 'lost';
  /** Server model of the current room (the lobby's choice before a seat). */
  mode: 'stateful' | 'checkpointed' | null;
  roomId: string | null;
  nodeId: string | null;
  playerId: string | null;
  x: number;
  y: number;
  score: number;
  connected: boolean;
  /** Names of every player drawn in the arena, including this one. */
  players: string[];
  /** Set when the session was lost (cleared by the next seat); detectedMs as shown on the loss panel. */
  lost: { reason: 'killed' | 'frozen' | 'moved' | 'left' | 'elsewhere'; detectedMs: number | null } | null;
  /**
   * The last recovery of a checkpointed session (cleared by the next loss): ms to notice, ms until
   * back in play, play lost in ticks and ms, score points lost, the node it moved from and to, the new epoch.
   */
  recovery: {
    detectedMs: number; backInPlayMs: number; ticksLost: number | null; msLost: number | null; scoreLost: number;
    fromNode: string | null; toNode: string; epoch: number | null;
  } | null;
  /** Game nodes as the cluster map shows them. */
  clusterNodes: { id: string; state: string }[];
  /** How long the last "Find a new match" took to seat the player again (ms). */
  reseatMs: number | null;
  /** The newest simulation tick the host sent (0 before the first patch): it stands still while the room is paused. */
  tick: number;
  /**
   * The room's standing with the store, from its host's notices, as the HUD shows it (null outside a
   * room). unsavedMs counts up live between notices (null: a stateful room never saves); `back` is
   * the last outage this seat lived through, measured when the store returned.
   */
  store: {
    store: 'ok' | 'unreachable'; paused: boolean; unsavedMs: number | null;
    back: { unreachableMs: number; pausedMs: number | null } | null;
  } | null;
  /**
   * A checkpointed room paused for the store, followed to a live copy through the API (null when
   * not following): requests so far (0 while waiting out the bound), and the last answer that
   * did not give a seat elsewhere ('same-copy': the API named the paused copy itself; 'store-down':
   * 503 redis/unavailable, the API cannot reach the store either).
   */
  following: { attempts: number; lastAnswer: 'same-copy' | 'store-down' | 'restoring' | 'failed' | null } | null;
  /** The last results screen: its match and whether the host says its results are in the store yet. */
  results: { matchId: string; recorded: 'recorded' | 'waiting' | 'stale' | null } | null;
  /** The store as the page sees it through the API (/health/ready, redis/unavailable answers). */
  storeSeen: 'unknown' | 'up' | 'down' | 'none';
}
