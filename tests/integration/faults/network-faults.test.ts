import '../../../server/common/websocket-global';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Room } from '@colyseus/sdk';
import type { ClusterStatus, MatchmakeResult } from '../../../shared/api';
import type { MovedNotice, StoreNotice } from '../../../shared/protocol';
import { checkpointKey } from '../../../server/stores/checkpoints-redis';
import { checkHistory, parseHistory } from '../../../bench/experiment/history';
import { LocalStack } from '../../support/stack';
import { TestPlayer, api } from '../../support/player';
import { stateWhere } from '../../support/rooms';

// Network faults through the supervisor's fault points, over real processes: two game nodes (so
// a peer can restore a cut-off host's room), one API, a real redis-server, the control endpoint.
// Game nodes log at info, so the history records (copy-played, result-recorded) reach us.
const stack = new LocalStack();
const lines: { id: string; line: string }[] = [];
const players: TestPlayer[] = [];
let redis: Redis;

beforeAll(async () => {
  await stack.start({
    gameNodes: 2, apis: 1, web: false, control: true,
    env: { LOG_LEVEL: 'info', MATCH_SECONDS: '6', RESULTS_SECONDS: '1' },
    print: (id, line) => {
      lines.push({ id, line });
      if (/"level":(40|50|60)/.test(line) && !/redis unavailable|redis available/.test(line)) process.stderr.write(`[${id}] ${line.slice(0, 400)}\n`);
    },
  });
  redis = new Redis(stack.redis!.url); // straight to the store, past every fault point
}, 90_000);

// A failed test must not leave its fault behind for the next one.
afterEach(async () => {
  for (const target of ['redis', ...stack.cluster!.list().map((c) => c.spec.id)]) await stack.cluster!.inject('heal', target);
});

afterAll(async () => {
  for (const p of players) p.close();
  redis?.disconnect();
  await stack.stop();
});

async function control<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const res = await fetch(`${stack.control!.url}${path}`, {
    method, headers: { authorization: `Bearer ${stack.controlToken}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as T };
}

async function fault(fault: string, target: string, ms?: number): Promise<string> {
  const res = await control<{ message: string }>('POST', '/faults', { fault, target, ...(ms === undefined ? {} : { ms }) });
  expect(res.status, res.body.message).toBe(200);
  return res.body.message;
}

/** The first message of `type` matching `predicate`, from now on. */
function messageWhere<T>(room: Room, type: string, predicate: (m: T) => boolean, timeoutMs = 5000): Promise<T> {
  return new Promise((resolve, reject) => {
    const off = room.onMessage(type, (m: T) => {
      if (!predicate(m)) return;
      clearTimeout(timer);
      off();
      resolve(m);
    });
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no matching "${type}" message within ${timeoutMs} ms`));
    }, timeoutMs);
  });
}

/** Performance.now() of the last message of any kind (state patches included) the room received. */
function lastHeard(room: Room): () => number {
  let at = performance.now();
  room.onMessage('*', () => (at = performance.now()));
  room.onStateChange(() => (at = performance.now()));
  return () => at;
}

async function checkpoint(roomId: string): Promise<{ epoch: number; nodeId: string; tick: number }> {
  const h = await redis.hgetall(checkpointKey(roomId));
  return { epoch: Number(h.epoch), nodeId: h.nodeId ?? '', tick: Number(h.tick ?? 0) };
}

let roomSize = 16;
/**
 * Players seated together in a room of their own: each test asks for another room size, so no
 * test matchmakes into a room an earlier fault left behind (see the report: a healed host's
 * stale copy can leave its room's listing pointing at itself).
 */
async function seated(names: string[]): Promise<TestPlayer[]> {
  const out: TestPlayer[] = [];
  const maxPlayers = roomSize--;
  for (const name of names) {
    const p = await new TestPlayer(name, stack.apiUrls).login();
    const { status, body } = await api<MatchmakeResult>(stack.apiUrls[0]!, '/v1/matchmake', { method: 'POST', token: p.session.accessToken, body: { mode: 'checkpointed', maxPlayers } });
    expect(status, JSON.stringify(body)).toBe(200);
    await (p as unknown as { connect(r: unknown): Promise<void> }).connect(body.reservation);
    p.steer();
    players.push(p);
    out.push(p);
  }
  return out;
}

/** The player's own entry is in the room's state and its ticks advance. */
async function playing(p: TestPlayer, ticks = 5): Promise<void> {
  const from = p.room.state.tick ?? 0;
  await stateWhere(p.room, (s) => s.tick >= from + ticks && [...s.players.values()].some((x) => x.playerId === p.session.playerId), 'play', 5000);
}

const history = () => parseHistory(lines.filter((l) => l.id.startsWith('node-')).map((l) => l.line));

describe('network faults through the fault points', () => {
  it('GET /network lists no fault at first, fencing on; bad network faults are refused in the contract', async () => {
    expect((await control('GET', '/network')).body).toEqual({ fencing: true, faults: [] });
    const slowNoMs = await control<{ code: string; statusCode: number }>('POST', '/faults', { fault: 'slow', target: 'node-1' });
    expect(slowNoMs).toMatchObject({ status: 409, body: { code: 'control/invalid', statusCode: 409 } });
    const tooSlow = await control<{ code: string }>('POST', '/faults', { fault: 'slow', target: 'node-1', ms: 5001 });
    expect(tooSlow).toMatchObject({ status: 400, body: { code: 'control/invalid' } });
    expect((await control<{ code: string }>('POST', '/faults', { fault: 'isolate', target: 'api-1' })).body.code).toBe('control/invalid');
    expect((await control<{ code: string }>('POST', '/faults', { fault: 'slow', target: 'redis', ms: 10 })).body.code).toBe('control/invalid');
    expect((await control<{ code: string }>('POST', '/faults', { fault: 'partition', target: 'node-9' })).body.code).toBe('control/unknown-target');
  });

  it('partition: the checkpointed room pauses within ~1 s, a peer restores it under epoch + 1, and after heal the stale copy retires and sends its players to the live copy', async () => {
    const [ann, bob] = await seated(['PartAnn', 'PartBob']);
    expect(bob!.room.roomId).toBe(ann!.room.roomId);
    const roomId = ann!.room.roomId;
    const host = ann!.node.nodeId;
    const epoch = ann!.node.epoch!;
    await playing(ann!);

    const paused = messageWhere<StoreNotice>(ann!.room, 'store', (n) => n.paused);
    const t0 = performance.now();
    expect(await fault('partition', host)).toContain('partitioned');
    await paused;
    const pausedMs = performance.now() - t0;
    expect(pausedMs).toBeLessThan(1300);
    expect((await control<{ faults: { target: string; kind: string }[] }>('GET', '/network')).body.faults).toEqual([{ target: host, kind: 'partition', since: expect.any(Number) }]);

    // The players can still reach the host (only its store path is cut), but it does not play.
    await expect.poll(() => checkpoint(roomId), { timeout: 5000, interval: 50 }).toMatchObject({ epoch: epoch + 1 });
    const live = await checkpoint(roomId);
    expect(live.nodeId).not.toBe(host);
    const tickWhileCut = ann!.lastTick;

    const moved = Promise.all([ann, bob].map((p) => messageWhere<MovedNotice>(p!.room, 'moved', () => true, 5000)));
    await fault('heal', host);
    expect((await moved).map((m) => m.reason)).toEqual(['stale-copy', 'stale-copy']);
    expect(ann!.lastTick - tickWhileCut).toBeLessThanOrEqual(1); // the stale copy never played on
    for (const p of [ann!, bob!]) {
      const { result } = await p.rejoin();
      expect(result).toMatchObject({ nodeId: live.nodeId, epoch: epoch + 1 });
      await playing(p);
    }
    const verdict = checkHistory(history().plays.filter((p) => p.roomId === roomId), []);
    expect(verdict.overlapMs).toBe(0);
    console.log(`partition: paused after ${pausedMs.toFixed(0)} ms, restored on ${live.nodeId} under epoch ${epoch + 1}`);
  }, 30_000);

  it('heal before the TTL: the copy resumes in place, nothing lost, nobody moved', async () => {
    const [cat] = await seated(['HealCat']);
    const roomId = cat!.room.roomId;
    const host = cat!.node.nodeId;
    const before = await checkpoint(roomId);
    await playing(cat!);
    const moved = messageWhere(cat!.room, 'moved', () => true, 8000).then(() => true, () => false);
    const paused = messageWhere<StoreNotice>(cat!.room, 'store', (n) => n.paused);
    await fault('partition', host);
    await paused;
    // Healed the moment the host fenced itself: 1 s after its last acknowledged beat, ≥ 0.2 s before any peer may call it dead.
    await fault('heal', host);
    await messageWhere<StoreNotice>(cat!.room, 'store', (n) => n.store === 'ok' && !n.paused);
    await playing(cat!, 20);
    expect(await checkpoint(roomId)).toMatchObject({ epoch: before.epoch, nodeId: host });
    expect(cat!.room.roomId).toBe(roomId);
    expect(await moved).toBe(false);
  }, 30_000);

  it('isolate: the players hear nothing, follow the room through the API to a peer, and the stale copy retires after heal', async () => {
    const [dan] = await seated(['IsoDan']);
    const roomId = dan!.room.roomId;
    const host = dan!.node.nodeId;
    const epoch = dan!.node.epoch!;
    await playing(dan!);
    const heard = lastHeard(dan!.room);
    const t0 = performance.now();
    await fault('isolate', host);
    // Silence: the socket stays open and nothing arrives (no close, no reset).
    await expect.poll(() => performance.now() - heard(), { timeout: 5000, interval: 20 }).toBeGreaterThan(1200);
    expect(dan!.room.connection.isOpen).toBe(true);
    const old = dan!.room;
    const { result, ms } = await dan!.rejoin();
    expect(result.nodeId).not.toBe(host);
    expect(result.epoch).toBe(epoch + 1);
    await playing(dan!);
    const backMs = performance.now() - t0;
    old.connection.close();
    await fault('heal', host);
    await expect.poll(() => lines.some((l) => l.id === host && l.line.includes('checkpoint refused') && l.line.includes(roomId)), { timeout: 5000, interval: 50 }).toBe(true);
    expect(checkHistory(history().plays.filter((p) => p.roomId === roomId), []).overlapMs).toBe(0);
    console.log(`isolate: rejoin took ${ms.toFixed(0)} ms, back in play ${backMs.toFixed(0)} ms after the fault`);
  }, 30_000);

  it('slow 300 ms each way: no false death, no fencing, checkpoints keep landing', async () => {
    const [eve] = await seated(['SlowEve']);
    const roomId = eve!.room.roomId;
    const host = eve!.node.nodeId;
    const before = await checkpoint(roomId);
    await playing(eve!);
    const notices: StoreNotice[] = [];
    eve!.room.onMessage('store', (n: StoreNotice) => notices.push(n));
    const moved = messageWhere(eve!.room, 'moved', () => true, 15_000).then(() => true, () => false);
    expect(await fault('slow', host, 300)).toContain('300 ms');
    expect((await control<{ faults: unknown[] }>('GET', '/network')).body.faults).toEqual([{ target: host, kind: 'slow', ms: 300, since: expect.any(Number) }]);
    const states = new Set<string>();
    // Three seconds of checkpoints (60 ticks at 20 Hz) landing through the slow path, with the cluster view watched all along.
    await expect.poll(async () => {
      const view = await api<ClusterStatus>(stack.apiUrls[0]!, '/v1/cluster');
      states.add(view.body.nodes.find((n) => n.id === host)?.state ?? 'missing');
      return (await checkpoint(roomId)).tick;
    }, { timeout: 10_000, interval: 100 }).toBeGreaterThan(before.tick + 60);
    expect([...states]).toEqual(['alive']);
    expect(notices.filter((n) => n.paused || n.store === 'unreachable')).toEqual([]);
    expect(await checkpoint(roomId)).toMatchObject({ epoch: before.epoch, nodeId: host });
    await fault('heal', host);
    await playing(eve!);
    eve!.close();
    expect(await moved).toBe(false);
  }, 30_000);

  it('partition redis, then heal: every process is cut off from the store like an outage, none exits, and play resumes', async () => {
    const [fay] = await seated(['StoreFay']);
    await playing(fay!);
    const paused = messageWhere<StoreNotice>(fay!.room, 'store', (n) => n.paused);
    expect(await fault('partition', 'redis')).toContain('every process');
    await paused;
    // The API cannot reach the store either: a route that needs it does not succeed while cut off.
    const res = await api(stack.apiUrls[0]!, '/v1/players/me', { token: fay!.session.accessToken }).catch(() => ({ status: 0 }));
    expect(res.status).not.toBe(200);
    expect((await control<{ faults: { target: string }[] }>('GET', '/network')).body.faults.map((f) => f.target)).toEqual(['redis']);
    await fault('heal', 'redis');
    await expect.poll(async () => {
      if (!fay!.room.connection.isOpen) await fay!.rejoin(); // a false death at heal is fenced: follow the room
      return stateWhere(fay!.room, (s) => s.players.size > 0, 'play', 1000).then(() => fay!.room.state.tick, () => 0);
    }, { timeout: 10_000, interval: 200 }).toBeGreaterThan(0);
    await playing(fay!);
    await expect.poll(async () => (await api(stack.apiUrls[0]!, '/v1/players/me', { token: fay!.session.accessToken })).status, { timeout: 5000, interval: 100 }).toBe(200);
    for (const child of stack.cluster!.list()) expect(child.process, `${child.spec.id} still running`).not.toBeNull();
    fay!.close();
  }, 40_000);

  it('FENCING=off (switched at runtime): two copies accept inputs at once (overlap > 0 in the history), until heal retires the stale one', async () => {
    const off = await control<{ fencing: boolean; message: string }>('POST', '/fencing', { on: false });
    expect(off.body).toMatchObject({ fencing: false, message: expect.stringContaining('confirmed by node-1, node-2') });
    expect((await control<{ fencing: boolean }>('GET', '/network')).body.fencing).toBe(false);
    try {
      const [gus, hal] = await seated(['SplitGus', 'SplitHal']);
      expect(hal!.room.roomId).toBe(gus!.room.roomId);
      const roomId = gus!.room.roomId;
      const host = gus!.node.nodeId;
      const epoch = gus!.node.epoch!;
      await playing(gus!);
      await fault('partition', host);
      await expect.poll(() => checkpoint(roomId), { timeout: 5000, interval: 50 }).toMatchObject({ epoch: epoch + 1 });
      // Gus stays on the cut-off copy, which plays on; Hal follows the room to the restored one.
      await playing(gus!, 20);
      const { result } = await hal!.rejoin();
      expect(result.epoch).toBe(epoch + 1);
      await playing(hal!, 20);
      await playing(gus!, 10);
      const moved = messageWhere(gus!.room, 'moved', () => true, 5000);
      await fault('heal', host);
      await moved;
      // A copy records its stretch of play when it stops: fence the live one for a moment to close it.
      await control('POST', '/fencing', { on: true });
      const paused = messageWhere<StoreNotice>(hal!.room, 'store', (n) => n.paused);
      await fault('partition', result.nodeId);
      await paused;
      await fault('heal', result.nodeId);
      await expect.poll(() => checkHistory(history().plays.filter((p) => p.roomId === roomId), []).overlapMs, { timeout: 3000, interval: 50 }).toBeGreaterThan(0);
      const overlapMs = checkHistory(history().plays.filter((p) => p.roomId === roomId), []).overlapMs;
      console.log(`fencing off: two copies of ${roomId} accepted inputs together for ${overlapMs} ms`);
    } finally {
      await control('POST', '/fencing', { on: true });
    }
  }, 40_000);

  it('a stale copy\'s results are refused: a match that ended on the cut-off host is recorded by the live copy, and the stale one\'s is refused after heal', async () => {
    const [ivy] = await seated(['StaleIvy']);
    const roomId = ivy!.room.roomId;
    const host = ivy!.node.nodeId;
    const epoch = ivy!.node.epoch!;
    // Cut the host off just before a match ends: it ends the match (its lease still held) and its results wait in its outbox.
    const state = await stateWhere(ivy!.room, (s) => s.phase === 'playing' && s.timeLeftMs > 0 && s.timeLeftMs <= 400, 'the end of a match', 15_000);
    const matchId = `${roomId}:${state.match}`;
    await fault('partition', host);
    await expect.poll(() => checkpoint(roomId), { timeout: 5000, interval: 50 }).toMatchObject({ epoch: epoch + 1 });
    // The restored copy ends the same match again and records it under the new epoch.
    const recorded = () => history().results.filter((r) => r.matchId === matchId);
    await expect.poll(() => recorded().map((r) => r.epoch), { timeout: 8000, interval: 50 }).toEqual([epoch + 1]);
    await fault('heal', host);
    await expect.poll(() => lines.some((l) => l.id === host && l.line.includes('results refused') && l.line.includes(matchId)), { timeout: 5000, interval: 50 }).toBe(true);
    expect(recorded().map((r) => r.epoch)).toEqual([epoch + 1]);
    expect(checkHistory(history().plays, history().results).staleResults).toEqual([]);
  }, 40_000);
});
