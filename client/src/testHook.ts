import type { StatecraftSnapshot } from '../../shared/test-hook';
import type { ArenaSession } from './game/arenaSession';

/**
 * The one adapter between the game and the browser tests: `window.__statecraft`
 * (shape in shared/test-hook.ts). Every read returns a frozen copy, so a test can
 * never steer the game through it. The arena's session is watched through its
 * events (`watchArena`); the lobby and the cluster map `publish` their few fields.
 */
declare global {
  interface Window {
    readonly __statecraft: Readonly<StatecraftSnapshot>;
  }
}

/** What changes every frame, read from the arena when a test asks rather than published per frame. */
type Live = Pick<StatecraftSnapshot, 'x' | 'y' | 'score' | 'connected' | 'players'>;

const current: StatecraftSnapshot = {
  phase: 'lobby', mode: null, roomId: null, nodeId: null, playerId: null, x: 0, y: 0, score: 0, connected: false, players: [],
  lost: null, recovery: null, clusterNodes: [], reseatMs: null,
};
let live: (() => Live) | null = null;

Object.defineProperty(window, '__statecraft', {
  get: () => {
    const s = { ...current, ...live?.() };
    return Object.freeze({
      ...s,
      players: Object.freeze([...s.players]),
      lost: s.lost ? Object.freeze({ ...s.lost }) : null,
      recovery: s.recovery ? Object.freeze({ ...s.recovery }) : null,
      clusterNodes: Object.freeze(s.clusterNodes.map((n) => Object.freeze({ ...n }))),
    });
  },
  configurable: false,
});

export function publish(patch: Partial<StatecraftSnapshot>): void {
  Object.assign(current, patch);
}

/**
 * Publishes one seat's session: its host, phases, loss and recovery as they happen, and the
 * view's position and player list whenever a test reads. Returns the detach function, which
 * keeps the last live values.
 */
export function watchArena(session: ArenaSession, view: { position(): { x: number; y: number }; players(): string[] }, playerId: string | null): () => void {
  const recovering = session.wasRecovered;
  publish({
    phase: recovering ? 'recovering' : 'playing', mode: session.mode, roomId: session.connection.roomId, connected: true, nodeId: null,
    lost: null, reseatMs: session.reseatMs, playerId, ...(recovering ? {} : { recovery: null }),
  });
  const read = (): Live => {
    const { x, y } = view.position();
    const me = session.state?.players.get(session.connection.sessionId);
    return { x, y, score: me?.score ?? 0, connected: session.connection.connected, players: view.players() };
  };
  live = read;
  const offs = [
    session.on('node', (info) => publish({ nodeId: info.nodeId, roomId: info.roomId })),
    session.on('phase', (phase) => publish({ phase: phase === 'results' ? 'results' : 'playing' })),
    session.on('recovered', ({ detectedMs, backInPlayMs, ticksLost, msLost, scoreLost, fromNode, toNode, epoch }) => {
      publish({ phase: 'playing', recovery: { detectedMs, backInPlayMs, ticksLost, msLost, scoreLost, fromNode, toNode, epoch } });
    }),
    session.on('lost', ({ loss, detectedMs, recovering: follows }) => {
      publish({ phase: follows ? 'recovering' : 'lost', connected: false, lost: { reason: loss.reason, detectedMs }, ...(follows ? { recovery: null } : {}) });
    }),
    session.on('final', () => publish({ phase: 'lost' })),
  ];
  return () => {
    for (const off of offs) off();
    if (live === read) {
      publish(read());
      live = null;
    }
  };
}
