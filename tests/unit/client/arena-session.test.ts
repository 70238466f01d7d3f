import { describe, expect, it } from 'vitest';
import type { RejoinResult } from '../../../shared/api';
import { ErrorCodes } from '../../../shared/errors';
import type { NodeInfo } from '../../../shared/protocol';
import type { ArenaState } from '../../../shared/schema';
import { ApiRequestError } from '../../../client/src/net/api';
import type { ConnectionEvents, ConnectionLoss, GameConnection } from '../../../client/src/net/connection';
import type { InjectedFault } from '../../../client/src/net/control';
import { ArenaSession, detectionMs, faultFor, type ArenaSessionDeps, type SeatData, type SessionConnection } from '../../../client/src/game/arenaSession';

/** A scripted seat: the host's side of a GameConnection, driven by the test. */
class ScriptedConnection implements SessionConnection {
  node: NodeInfo | null = null;
  state: ArenaState | undefined = undefined;
  connected = true;
  rttMs = null;
  silenceMs = 0;
  left = false;
  readonly #listeners = new Map<string, Set<(...a: never[]) => void>>();
  constructor(readonly roomId: string, readonly sessionId: string) {}
  on<K extends keyof ConnectionEvents>(event: K, listener: ConnectionEvents[K]): () => void {
    const set = this.#listeners.get(event) ?? new Set();
    this.#listeners.set(event, set);
    set.add(listener as (...a: never[]) => void);
    return () => set.delete(listener as (...a: never[]) => void);
  }
  emit<K extends keyof ConnectionEvents>(event: K, ...args: Parameters<ConnectionEvents[K]>): void {
    if (event === 'node') this.node = args[0] as NodeInfo;
    if (event === 'patch') this.state = args[0] as ArenaState;
    for (const l of this.#listeners.get(event) ?? []) (l as (...a: unknown[]) => void)(...args);
  }
  sendInput(): void {}
  async leave(): Promise<void> {
    this.left = true;
  }
}

const asConnection = (c: ScriptedConnection) => c as unknown as GameConnection;

function node(nodeId: string, epoch: number, restoredTick: number | null): NodeInfo {
  return {
    nodeId, pid: 1, startedAt: 0, address: '127.0.0.1:1', roomId: 'room-1', mode: 'checkpointed', tickRate: 20, epoch,
    restoredFrom: restoredTick === null ? null : { nodeId: 'node-1', tick: restoredTick, savedAt: 0 },
  };
}

/** Just enough of the synced state: a tick, a phase, and players keyed by session id. */
function state(tick: number, players: Record<string, number>): ArenaState {
  return { tick, phase: 'playing', match: 1, timeLeftMs: 60_000, players: new Map(Object.entries(players).map(([id, score]) => [id, { score, playerId: id }])) } as unknown as ArenaState;
}

function loss(over: Partial<ConnectionLoss> = {}): ConnectionLoss {
  return { reason: 'killed', code: 1006, detail: '', nodeId: 'node-1', detectedAt: 1030, lastMessageAt: 990, moved: null, ...over };
}

const fault: InjectedFault = { fault: 'kill', target: 'node-1', at: 1000, wallAt: 0, apiOkAtPress: 0 };
const result: RejoinResult = { reservation: {} as RejoinResult['reservation'], mode: 'checkpointed', nodeId: 'node-2', epoch: 2, restoredFromTick: 100 };

function setup(seat: Omit<Partial<SeatData>, 'connection'> & { connection: ScriptedConnection }, deps: Partial<ArenaSessionDeps> = {}) {
  let t = 0;
  let timer: (() => void) | null = null;
  const clock = {
    set: (v: number) => (t = v),
    /** Fires the paused-room follow's timer, as if its bound had passed. */
    fire: (ms: number) => {
      t += ms;
      const fn = timer;
      timer = null;
      fn?.();
    },
  };
  const session = new ArenaSession({ mode: 'checkpointed', ...seat, connection: asConnection(seat.connection) }, {
    faults: { lastFaultOn: (target, since) => (target === fault.target && fault.at >= since ? fault : null) },
    rejoin: async () => { throw new Error('no rejoin in this test'); },
    findMatch: async () => { throw new Error('no match in this test'); },
    askRoom: async () => { throw new Error('no paused follow in this test'); },
    takeSeat: async () => { throw new Error('no paused follow in this test'); },
    rematchMode: () => 'stateful',
    now: () => t,
    retry: { now: () => t, sleep: async (ms) => void (t += ms) },
    setTimer: (fn) => {
      timer = fn;
      return () => (timer = null);
    },
    ...deps,
  });
  const events: string[] = [];
  for (const e of ['lost', 'final', 'seated', 'recovered', 'attempt'] as const) session.on(e, () => events.push(e));
  return { session, events, clock };
}

describe('ArenaSession: a lost host', () => {
  it('measures detection from the fault button when this page pressed it, else from the last message', () => {
    expect(detectionMs(loss(), fault)).toBe(30);
    expect(detectionMs(loss(), null)).toBe(40);
    expect(faultFor(null, 'node-1', 0)).toBeNull();
    expect(faultFor({ lastFaultOn: () => fault }, null, 0)).toBeNull();
  });

  it('stateful: the loss is final at once, with the fault injected since the seat was taken', () => {
    const conn = new ScriptedConnection('room-1', 's1');
    const { session, events } = setup({ connection: conn, mode: 'stateful' });
    let seen: { detectedMs: number; recovering: boolean; fault: InjectedFault | null } | null = null;
    session.on('final', (l, note) => {
      seen = l;
      expect(note).toBeNull();
    });
    session.start();
    conn.emit('lost', loss());
    expect(events).toEqual(['lost', 'final']);
    expect(seen).toMatchObject({ detectedMs: 30, recovering: false, fault });
  });

  it('checkpointed: follows the room through the rejoin policy, retrying while it is restored, then hands over the new seat', async () => {
    const conn = new ScriptedConnection('room-1', 's1');
    const next = new ScriptedConnection('room-1', 's9');
    const answers: unknown[] = [new ApiRequestError(ErrorCodes.roomRestoring, 'x', 409), { result, connection: asConnection(next) }];
    const asked: string[] = [];
    const { session, events } = setup({ connection: conn }, {
      rejoin: async (roomId) => {
        asked.push(roomId);
        const a = answers.shift();
        if (a instanceof Error) throw a;
        return a as { result: RejoinResult; connection: GameConnection };
      },
    });
    const seated = new Promise<SeatData>((resolve) => session.on('seated', resolve));
    session.start();
    conn.emit('patch', state(104, { s1: 7 }));
    conn.emit('lost', loss());
    const seat = await seated;
    expect(asked).toEqual(['room-1', 'room-1']);
    expect(events).toEqual(['lost', 'attempt', 'attempt', 'seated']);
    expect(seat.connection).toBe(next);
    expect(seat.recovered).toMatchObject({ cause: 'killed', fault, fromNode: 'node-1', lastTick: 104, scoreBefore: 7, attempts: 2, result });
  });

  it('checkpointed: a room that is gone ends in the loss panel with the reason', async () => {
    const conn = new ScriptedConnection('room-1', 's1');
    const { session } = setup({ connection: conn }, { rejoin: async () => { throw new ApiRequestError(ErrorCodes.roomLost, 'gone', 410); } });
    const final = new Promise<string | null>((resolve) => session.on('final', (_l, note) => resolve(note)));
    session.start();
    conn.emit('lost', loss());
    expect(await final).toBe('The room could not be restored: it is gone.');
  });
});

describe('ArenaSession: opened elsewhere, and the store', () => {
  it('opened in another tab (4102): final, no rejoin, no loss panel, no new match', async () => {
    const conn = new ScriptedConnection('room-1', 's1');
    let rejoins = 0;
    const { session, events } = setup({ connection: conn }, { rejoin: async () => { rejoins++; throw new Error('must not rejoin'); } });
    const elsewhere: string[] = [];
    session.on('elsewhere', (l) => elsewhere.push(l.reason));
    session.start();
    conn.emit('lost', loss({ reason: 'elsewhere', code: 4102 }));
    await new Promise((r) => setTimeout(r, 0));
    expect(elsewhere).toEqual(['elsewhere']);
    expect(events).toEqual([]);
    expect(rejoins).toBe(0);
    expect(session.lost).toBe(true);
  });

  it('pauses while the host says it cannot save, and remembers each match\'s recorded status', () => {
    const conn = new ScriptedConnection('room-1', 's1');
    const { session, clock } = setup({ connection: conn });
    const changes: string[] = [];
    session.on('store', (c) => changes.push(c));
    session.start();
    clock.set(100);
    conn.emit('store', { store: 'unreachable', unsavedMs: 900, paused: true });
    expect(session.paused).toBe(true);
    conn.emit('store', { store: 'ok', unsavedMs: 10, paused: false });
    expect(session.paused).toBe(false);
    expect(changes).toEqual(['lost', 'back']);
    conn.emit('recorded', { matchId: 'm1', status: 'waiting' });
    conn.emit('recorded', { matchId: 'm1', status: 'recorded' });
    expect(session.recorded.get('m1')).toBe('recorded');
  });
});

describe('ArenaSession: a room its host paused for the store', () => {
  const partition: InjectedFault = { fault: 'partition', target: 'node-1', at: 800, wallAt: 0, apiOkAtPress: 0 };

  it('follows it through the API while the paused seat stays, then hands over a seat on the live copy as a store-lost recovery', async () => {
    const conn = new ScriptedConnection('room-1', 's1');
    const next = new ScriptedConnection('room-1', 's9');
    const answers: RejoinResult[] = [{ ...result, nodeId: 'node-1', epoch: 1 }, result];
    const { session, events, clock } = setup({ connection: conn }, {
      faults: { lastFaultOn: (target, since) => (target === 'node-1' && partition.at >= since ? partition : null) },
      askRoom: async () => answers.shift()!,
      takeSeat: async () => asConnection(next),
    });
    const following: (number | null)[] = [];
    session.on('following', (f) => following.push(f?.attempts ?? null));
    const seated = new Promise<SeatData>((resolve) => session.on('seated', resolve));
    clock.set(0);
    session.start();
    conn.emit('node', node('node-1', 1, null));
    conn.emit('patch', state(200, { s1: 5 }));
    clock.set(1800);
    conn.emit('store', { store: 'unreachable', unsavedMs: 950, paused: true });
    expect(session.paused).toBe(true);
    expect(session.following).toMatchObject({ pausedAt: 1800, attempts: 0 });
    clock.fire(500);
    const seat = await seated;
    expect(conn.left).toBe(false); // the scene leaves the paused seat once it restarts on the new one
    expect(events).toEqual(['seated']); // no 'lost': the paused connection never dropped
    expect(seat.connection).toBe(next);
    expect(seat.recovered).toMatchObject({
      cause: 'store-lost', fault: partition, detectedAt: 1800, lastMessageAt: 850, fromNode: 'node-1', lastTick: 200, scoreBefore: 5, result, attempts: 2,
    });
    expect(following).toEqual([0, 1, 1, 2]);
    // A close from the old copy after the hand-over changes nothing.
    conn.emit('lost', loss({ reason: 'moved', code: 4100, moved: 'stale-copy' }));
    expect(events).toEqual(['seated']);
  });

  it('the copy resumes in place: the follow stops and nobody moves', () => {
    const conn = new ScriptedConnection('room-1', 's1');
    let asked = 0;
    const { session, events, clock } = setup({ connection: conn }, { askRoom: async () => { asked++; throw new Error('must not ask'); } });
    session.start();
    conn.emit('node', node('node-1', 1, null));
    conn.emit('store', { store: 'unreachable', unsavedMs: 1000, paused: true });
    conn.emit('store', { store: 'ok', unsavedMs: 20, paused: false });
    clock.fire(500);
    expect(asked).toBe(0);
    expect(session.following).toBeNull();
    expect(events).toEqual([]);
  });

  it('a stateful room plays on through the outage: nothing to follow', () => {
    const conn = new ScriptedConnection('room-1', 's1');
    const { session } = setup({ connection: conn, mode: 'stateful' });
    session.start();
    conn.emit('store', { store: 'unreachable', unsavedMs: null, paused: false });
    expect(session.following).toBeNull();
  });
});

describe('ArenaSession: back in play after a recovery', () => {
  const recovered = { cause: 'killed' as const, fault, detectedAt: 1030, lastMessageAt: 990, fromNode: 'node-1', lastTick: 104, scoreBefore: 7, result, attempts: 2 };

  it('waits for the new host to introduce itself: the full state arrives before the node message', () => {
    const conn = new ScriptedConnection('room-1', 's9');
    const { session, events, clock } = setup({ connection: conn, recovered });
    const summaries: unknown[] = [];
    session.on('recovered', (s) => summaries.push(s));
    session.start();
    clock.set(1150);
    conn.emit('patch', state(101, { s9: 6 }));
    expect(events).toEqual([]); // no host yet: not back in play
    clock.set(1180);
    conn.emit('node', node('node-2', 2, 100));
    expect(summaries).toEqual([expect.objectContaining({ toNode: 'node-2', epoch: 2, backInPlayMs: 180, ticksLost: 4, msLost: 200, scoreLost: 1, detectedMs: 30 })]);
    conn.emit('patch', state(102, { s9: 6 }));
    expect(summaries).toHaveLength(1); // measured once
  });

  it('needs this player in a patch, not just the host', () => {
    const conn = new ScriptedConnection('room-1', 's9');
    const { session, events } = setup({ connection: conn, recovered });
    session.start();
    conn.emit('node', node('node-2', 2, 100));
    conn.emit('patch', state(101, { other: 3 }));
    expect(events).toEqual([]);
    conn.emit('patch', state(102, { other: 3, s9: 7 }));
    expect(events).toEqual(['recovered']);
  });

  it('replays what the connection already knew when the scene starts late', () => {
    const conn = new ScriptedConnection('room-1', 's9');
    conn.emit('patch', state(101, { s9: 7 }));
    conn.emit('node', node('node-2', 2, 100));
    const { session, events } = setup({ connection: conn, recovered });
    session.start();
    expect(events).toEqual(['recovered']);
  });
});

describe('ArenaSession: a new match', () => {
  it('retries a seat that fails, then hands it over with the time it took', async () => {
    const conn = new ScriptedConnection('room-1', 's1');
    const next = new ScriptedConnection('room-2', 's2');
    const answers: unknown[] = [new Error('the node died a moment ago'), asConnection(next)];
    const { session } = setup({ connection: conn, mode: 'stateful' }, {
      findMatch: async () => {
        const a = answers.shift();
        if (a instanceof Error) throw a;
        return a as GameConnection;
      },
    });
    const seated = new Promise<SeatData>((resolve) => session.on('seated', resolve));
    const retries: number[] = [];
    expect(await session.findNewMatch((n) => retries.push(n))).toEqual({ ok: true });
    expect(retries).toEqual([2]);
    expect(await seated).toMatchObject({ connection: next, mode: 'stateful', reseatMs: 300 });
  });

  it('gives the error back when the API refuses', async () => {
    const refusal = new ApiRequestError(ErrorCodes.authInvalid, 'no', 401);
    const { session } = setup({ connection: new ScriptedConnection('room-1', 's1') }, { findMatch: async () => { throw refusal; } });
    expect(await session.findNewMatch(() => {})).toEqual({ ok: false, error: refusal });
  });
});
