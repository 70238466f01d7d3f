import '../../../server/common/websocket-global';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { PlayerProfile } from '../../../shared/api';
import { HEARTBEAT, type MatchResult, type RecordedNotice, type StoreNotice } from '../../../shared/protocol';
import { LocalStack } from '../../support/stack';
import { TestPlayer, api } from '../../support/player';
import { nextMessage } from '../../support/rooms';

// The store goes away under a live cluster: a real redis-server SIGKILLed for
// OUTAGE_MS, then started again on the same port with its data. Two game nodes
// (so a peer could wrongly restore the paused room) and an API, as real processes.
const OUTAGE_MS = Number(process.env.STORE_OUTAGE_MS ?? 60_000);
const stack = new LocalStack();
const players: TestPlayer[] = [];

beforeAll(async () => {
  await stack.start({ gameNodes: 2, apis: 1, web: false, env: { MATCH_SECONDS: '8', RESULTS_SECONDS: '1' } });
}, 90_000);

afterAll(async () => {
  for (const p of players) p.close();
  await stack.stop();
});

/** The longest the player's host goes without sending anything (patch, notice, keepalive), from now on. */
function quietest(player: TestPlayer): { maxMs(): number } {
  let at = performance.now();
  let max = 0;
  const heard = () => {
    const now = performance.now();
    max = Math.max(max, now - at);
    at = now;
  };
  player.room.onStateChange(heard);
  for (const type of ['alive', 'store', 'recorded', 'results']) player.room.onMessage(type, heard);
  return { maxMs: () => max };
}

/** Every message of `type` the player's room receives, from now on. */
function collect<T>(player: TestPlayer, type: string): T[] {
  const seen: T[] = [];
  player.room.onMessage(type, (m: T) => seen.push(m));
  return seen;
}

async function metric(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(name));
  if (!line) throw new Error(`${name} not on ${url}/metrics`);
  return Number(line.split(' ').pop());
}

it(`survives a ${OUTAGE_MS / 1000} s store outage: no process dies, stateful plays on, checkpointed pauses and resumes in place, results land once`, async () => {
  const solo = await new TestPlayer('Solo', stack.apiUrls).login();
  const ann = await new TestPlayer('Ann', stack.apiUrls).login();
  const bob = await new TestPlayer('Bob', stack.apiUrls).login();
  players.push(solo, ann, bob);
  await solo.play('stateful');
  await ann.play('checkpointed');
  await bob.play('checkpointed');
  expect(bob.room.roomId).toBe(ann.room.roomId);
  for (const p of players) p.steer();
  const soloResults = collect<MatchResult>(solo, 'results');
  const soloRecorded = collect<RecordedNotice>(solo, 'recorded');
  const annStore = collect<StoreNotice>(ann, 'store');
  const roomBefore = ann.room.roomId;

  // 1. The store dies. The checkpointed room pauses within its self-fencing margin.
  const pausedNotice = nextMessage<StoreNotice>(ann.room, 'store', 5000);
  await stack.redis!.kill();
  const killedAt = performance.now();
  expect(await pausedNotice).toMatchObject({ store: 'unreachable', paused: true });
  const pausedMs = performance.now() - killedAt;
  expect(pausedMs).toBeLessThan(2000);
  const tickAtPause = ann.lastTick;
  const annQuiet = quietest(ann);
  const soloTickAtPause = solo.lastTick;

  // 2. The outage lasts. Meanwhile the stateful room plays on and ends matches; their results wait.
  await new Promise((r) => setTimeout(r, OUTAGE_MS)); // the fault's length, not a wait for an event
  expect(ann.lastTick - tickAtPause).toBeLessThanOrEqual(1);
  expect(solo.lastTick - soloTickAtPause).toBeGreaterThan((OUTAGE_MS / 1000) * 20 * 0.8);
  const unreachable = annStore.filter((n) => n.store === 'unreachable');
  expect(unreachable.length).toBeGreaterThan(OUTAGE_MS / 1000 - 5); // told every second, with the time unsaved
  expect(unreachable.at(-1)!.unsavedMs).toBeGreaterThan(OUTAGE_MS - 3000);
  const endedDuringOutage = soloResults.map((r) => r.matchId);
  expect(endedDuringOutage.length).toBeGreaterThanOrEqual(Math.max(1, Math.floor(OUTAGE_MS / 9000) - 1)); // 8 s matches, 1 s results
  expect(soloRecorded.filter((n) => n.status === 'waiting').map((n) => n.matchId)).toEqual(endedDuringOutage);

  // 3. The store returns: the paused room is saved again within 1 s and plays on in place.
  const resumed = new Promise<number>((resolve) => ann.room.onMessage('store', (n: StoreNotice) => {
    if (n.store === 'ok' && !n.paused) resolve(performance.now()); // saved again: the fence check passed
  }));
  await stack.redis!.restart();
  const backAt = performance.now();
  const resumedMs = (await resumed) - backAt;
  expect(resumedMs).toBeLessThan(1000);
  // Paused, the room steps nothing and so sends no patch: it kept saying it is alive all along, or its
  // own players would have called their live host frozen and left it (HEARTBEAT).
  const quietMs = annQuiet.maxMs();
  expect(quietMs).toBeLessThan(HEARTBEAT.silenceMs / 2);
  await expect.poll(() => ann.lastTick - tickAtPause, { timeout: 2000, interval: 20 }).toBeGreaterThan(10);
  expect(ann.room.connection.isOpen && bob.room.connection.isOpen && solo.room.connection.isOpen).toBe(true);
  expect(ann.room.roomId).toBe(roomBefore);

  // 4. Results of matches that ended during the outage are recorded once each.
  await expect.poll(() => endedDuringOutage.every((id) => soloRecorded.some((n) => n.matchId === id && n.status === 'recorded')), { timeout: 5000, interval: 50 }).toBe(true);
  const profile = await api<PlayerProfile>(stack.apiUrls[0]!, '/v1/players/me', { token: solo.session.accessToken });
  expect(profile.status).toBe(200);
  const total = profile.body.standings.find((s) => s.board === 'score-total')!.score;
  const expected = soloResults.filter((r) => soloRecorded.some((n) => n.matchId === r.matchId && n.status === 'recorded'))
    .reduce((sum, r) => sum + (r.standings.find((s) => s.playerId === solo.session.playerId)?.score ?? 0), 0);
  expect(total).toBe(expected);

  // 5. Nothing died, nothing relied on the last-resort handler, and nobody was moved.
  for (const child of stack.cluster!.list()) expect(child.process, `${child.spec.id} still running`).not.toBeNull();
  for (const node of stack.cluster!.list('game')) {
    expect(await metric(`http://127.0.0.1:${node.spec.port}`, 'statecraft_unhandled_rejections_total')).toBe(0);
  }
  const moved = nextMessage(ann.room, 'moved', 500).then(() => true, () => false);
  expect(await moved).toBe(false);
  console.log(`store outage ${OUTAGE_MS} ms: paused after ${pausedMs.toFixed(0)} ms (the host never quiet for more than ${quietMs.toFixed(0)} ms), saved again ${resumedMs.toFixed(0)} ms after the store's return, ${endedDuringOutage.length} matches recorded after it`);
}, OUTAGE_MS + 60_000);
