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
type Live = Pick<StatecraftSnapshot, 'x' | 'y' | 'score' | 'connected' | 'players' | 'tick' | 'store' | 'following'>;

const current: StatecraftSnapshot = {
  phase: 'lobby', mode: null, roomId: null, nodeId: null, playerId: null, x: 0, y: 0, score: 0, connected: false, players: [],
  lost: null, recovery: null, clusterNodes: [], reseatMs: null, tick: 0, store: null, following: null, results: null, storeSeen: 'unknown',
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
      store: s.store ? Object.freeze({ ...s.store, back: s.store.back ? Object.freeze({ ...s.store.back }) : null }) : null,
      results: s.results ? Object.freeze({ ...s.results }) : null,
      following: s.following ? Object.freeze({ ...s.following }) : null,
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
    lost: null, reseatMs: session.reseatMs, playerId, results: null, ...(recovering ? {} : { recovery: null }),
  });
  const read = (): Live => {
    const { x, y } = view.position();
    const me = session.state?.players.get(session.connection.sessionId);
    const st = session.store.view(performance.now());
    const f = session.following;
    return {
      x, y, score: me?.score ?? 0, connected: session.connection.connected, players: view.players(), tick: session.state?.tick ?? 0,
      store: { store: st.store, paused: st.paused, unsavedMs: st.unsavedMs, back: st.back && { unreachableMs: st.back.unreachableMs, pausedMs: st.back.pausedMs } },
      following: f && { attempts: f.attempts, lastAnswer: f.lastAnswer },
    };
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
    session.on('elsewhere', (loss) => publish({ phase: 'lost', connected: false, lost: { reason: loss.reason, detectedMs: null } })),
    session.on('results', (r) => publish({ results: { matchId: r.matchId, recorded: session.recorded.get(r.matchId) ?? null } })),
    session.on('recorded', ({ matchId, status }) => {
      if (current.results?.matchId === matchId) publish({ results: { matchId, recorded: status } });
    }),
  ];
  return () => {
    for (const off of offs) off();
    if (live === read) {
      // The last live values stay, but a room's store standing ends with the room.
      publish({ ...read(), store: null, following: null });
      live = null;
    }
  };
}
