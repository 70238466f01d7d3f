import '../../../server/common/websocket-global';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MovedNotice } from '../../../shared/protocol';
import type { ClusterStatus, PlayerProfile } from '../../../shared/api';
import { LocalStack } from '../../support/stack';
import { connectionLost, nextMessage, stateWhere } from '../../support/rooms';
import { TestPlayer, api } from '../../support/player';

// The hybrid model under real faults: checkpointed rooms on three real game
// nodes, two API instances, a private Redis; SIGKILL, SIGSTOP/SIGCONT, SIGTERM.
const CHECKPOINT_MS = 250;
const TICK_MS = 50;
const stack = new LocalStack();
const players: TestPlayer[] = [];

beforeAll(async () => {
  await stack.start({
    gameNodes: 3, apis: 2, web: false,
    env: { MATCH_SECONDS: '8', RESULTS_SECONDS: '1', CHECKPOINT_MS: String(CHECKPOINT_MS), DRAIN_SECONDS: '5' },
  });
}, 90_000);

afterAll(async () => {
  for (const p of players) p.close();
  await stack.stop();
});

async function player(name: string): Promise<TestPlayer> {
  const p = await new TestPlayer(name, stack.apiUrls).login();
  players.push(p);
  return p;
}

/** Waits until the player has scored and the room has taken a few checkpoints since. */
async function scoreSomething(p: TestPlayer): Promise<void> {
  await stateWhere(p.room, () => (p.me()?.score ?? 0) > 0, `${p.name} scoring`, 8000);
  const tick = p.room.state.tick;
  await stateWhere(p.room, (s) => s.tick >= tick + 2 * (CHECKPOINT_MS / TICK_MS), 'two checkpoint intervals', 3000);
}

describe('a checkpointed room whose host is killed', () => {
  it('is restored once on a live node; both players are back with their scores, minus at most one interval', async () => {
    const ann = await player('Ann');
    const bob = await player('Bob');
    await ann.play('checkpointed', 0);
    await bob.play('checkpointed', 1);
    expect(bob.room.roomId).toBe(ann.room.roomId);
    expect(ann.node.epoch).toBe(1);
    const host = ann.node.nodeId;
    ann.steer();
    bob.steer();
    await scoreSomething(ann);

    const lostA = connectionLost(ann.room, 2000);
    const lostB = connectionLost(bob.room, 2000);
    const killedAt = performance.now();
    await stack.cluster!.inject('kill', host);
    await Promise.all([lostA, lostB]);
    const before = { tick: Math.max(ann.lastTick, bob.lastTick), ann: ann.lastScore, bob: bob.lastScore };

    // Both follow the room at once, through different API instances: they race to restore it.
    const [ra, rb] = await Promise.all([ann.rejoin(0), bob.rejoin(1)]);
    const backInPlay = performance.now() - killedAt;
    expect(ra.result.epoch).toBe(2); // exactly one restore
    expect(rb.result.epoch).toBe(2);
    expect(ra.result.nodeId).not.toBe(host);
    expect(rb.result.nodeId).toBe(ra.result.nodeId);
    expect(ann.room.roomId).toBe(bob.room.roomId);
    expect(ann.node.restoredFrom).toMatchObject({ nodeId: host });
    expect(backInPlay).toBeLessThan(3000); // generous: the target (≤ 1 s p95) is for the benchmark

    await stateWhere(ann.room, () => ann.me()?.connected === true && ann.room.state.players.size >= 2, 'both players back', 3000);
    const restoredTick = ann.node.restoredFrom!.tick;
    const lostTicks = before.tick - restoredTick;
    expect(lostTicks).toBeGreaterThanOrEqual(0);
    expect(lostTicks).toBeLessThanOrEqual(CHECKPOINT_MS / TICK_MS + 2); // one interval plus the detection
    const annNow = ann.me()!.score;
    expect(annNow).toBeLessThanOrEqual(before.ann);
    expect(annNow).toBeGreaterThanOrEqual(before.ann - 5 * (CHECKPOINT_MS / TICK_MS + 2)); // at most a golden orb per lost tick
    expect(ann.me()!.playerId).toBe(ann.session.playerId);

    // The match ends on the restored node and is recorded once.
    const results = await nextMessage<{ matchId: string; standings: { playerId: string; score: number }[] }>(ann.room, 'results', 12_000);
    const mine = results.standings.find((s) => s.playerId === ann.session.playerId)!;
    const profile = async () => (await api<PlayerProfile>(stack.apiUrls[1]!, '/v1/players/me', { token: ann.session.accessToken })).body;
    await expect.poll(async () => (await profile()).standings.find((b) => b.board === 'score-total')?.score ?? null, { timeout: 3000 }).not.toBeNull();
    const total = (await profile()).standings.find((b) => b.board === 'score-total');
    expect(total?.score).toBe(mine.score);
    ann.close();
    bob.close();
  }, 60_000);
});

describe('a checkpointed room whose host dies while nobody is connected', () => {
  it('is restored by a surviving node before anyone asks, once', async () => {
    const fay = await player('Fay');
    await fay.play('checkpointed');
    const host = fay.node.nodeId;
    const roomId = fay.room.roomId;
    const epoch = fay.node.epoch!; // Fay may have been seated in a room that already moved once
    try {
      fay.steer();
      await scoreSomething(fay);
      const lost = connectionLost(fay.room, 2000);
      fay.close(); // a dropped player keeps their place for a while
      await lost;
      await stack.cluster!.inject('kill', host);
      const hostNow = () => api<ClusterStatus>(stack.apiUrls[0]!, '/v1/cluster').then((r) => r.body.rooms.find((room) => room.id === roomId)?.nodeId);
      await expect.poll(async () => { const n = await hostNow(); return n !== undefined && n !== host; }, { timeout: 3000, interval: 50 }).toBe(true);
      const { result } = await fay.rejoin(1);
      expect(result.epoch).toBe(epoch + 1); // restored once, by a node, before Fay asked
      expect(fay.node.restoredFrom).toMatchObject({ nodeId: host });
      await stateWhere(fay.room, () => fay.me()?.connected === true && fay.me()!.score > 0, 'Fay back with her score', 3000);
      fay.close();
    } finally {
      await stack.cluster!.inject('restart', host).catch(() => {}); // the next tests want three nodes
    }
  }, 60_000);
});

describe('a checkpointed room whose host freezes, then thaws', () => {
  it('moves to a live node, and the thawed stale copy is fenced off and sends its players along', async () => {
    const cat = await player('Cat');
    const dan = await player('Dan');
    await cat.play('checkpointed');
    await dan.play('checkpointed');
    expect(dan.room.roomId).toBe(cat.room.roomId);
    const host = cat.node.nodeId;
    cat.steer();
    await scoreSomething(cat);
    const epoch = cat.node.epoch!;

    await stack.cluster!.inject('freeze', host);
    // Cat notices the silence (the clients' 1 s heartbeat) and follows the room; Dan stays on the frozen copy.
    cat.close();
    const { result } = await cat.rejoin(0);
    expect(result.epoch).toBe(epoch + 1);
    expect(result.nodeId).not.toBe(host);

    // Dan stays on the frozen copy: after the thaw it must not play on (it checks its fence first).
    const frozenTick = dan.room.state.tick;
    let staleTick = frozenTick;
    dan.room.onStateChange((s) => {
      staleTick = Math.max(staleTick, s.tick);
    });
    const moved = nextMessage<MovedNotice>(dan.room, 'moved', 5000);
    const closed = connectionLost(dan.room, 5000);
    await stack.cluster!.inject('thaw', host);
    await expect(moved).resolves.toMatchObject({ roomId: cat.room.roomId, reason: 'stale-copy' });
    expect((await closed).code).toBe(4100);
    expect(staleTick - frozenTick).toBeLessThanOrEqual(1); // at most a patch already due when it froze

    const { result: again } = await dan.rejoin(1);
    expect(again.epoch).toBe(epoch + 1); // Dan joins the one live copy; nothing restored twice
    expect(dan.room.roomId).toBe(cat.room.roomId);

    const metrics = await fetch(`http://127.0.0.1:${stack.cluster!.get(host).spec.port}/metrics`).then((r) => r.text());
    expect(metrics).toMatch(/statecraft_checkpoint_refused_total\{node="[^"]+"\} [1-9]/);
    cat.close();
    dan.close();
  }, 60_000);
});

describe('a checkpointed room on a draining node', () => {
  it('is handed over with nothing lost', async () => {
    const eve = await player('Eve');
    await eve.play('checkpointed');
    const host = eve.node.nodeId;
    eve.steer();
    await scoreSomething(eve);

    const moved = nextMessage<MovedNotice>(eve.room, 'moved', 5000);
    const lost = connectionLost(eve.room, 5000);
    await stack.cluster!.inject('drain', host);
    await expect(moved).resolves.toMatchObject({ reason: 'drain' });
    await lost;
    const before = { tick: eve.lastTick, score: eve.lastScore };
    // The hand-off holds the restore lease until the new copy takes seats: the first ask is answered.
    expect((await eve.rejoin(0)).asks).toBe(1);
    expect(eve.node.nodeId).not.toBe(host);
    expect(eve.node.restoredFrom!.tick).toBeGreaterThanOrEqual(before.tick); // zero play lost
    await stateWhere(eve.room, () => eve.me()?.connected === true, 'Eve back', 3000);
    expect(eve.me()!.score).toBe(before.score);
    eve.close();
  }, 60_000);
});
