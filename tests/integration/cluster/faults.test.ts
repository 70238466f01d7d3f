import '../../../server/common/websocket-global';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, type Room } from '@colyseus/sdk';
import type { ClusterStatus, MatchmakeResult, Session } from '../../../shared/api';
import type { NodeInfo } from '../../../shared/protocol';
import { LocalStack } from '../../support/stack';
import { connectionLost, nextMessage } from '../../support/rooms';

// Three game nodes and two API instances as real processes over a private Redis;
// faults are real signals sent to real processes.
const stack = new LocalStack();
const open: Room[] = [];

beforeAll(async () => {
  await stack.start({ gameNodes: 3, apis: 2, web: false, env: { MATCH_SECONDS: '120' } });
}, 90_000);

afterAll(async () => {
  for (const r of open) r.connection.close();
  await stack.stop();
});

async function api<T>(base: string, path: string, init: RequestInit & { token?: string } = {}): Promise<T> {
  const res = await fetch(`${base}${path}`, {
    ...init,
    headers: { 'content-type': 'application/json', ...(init.token ? { authorization: `Bearer ${init.token}` } : {}) },
  });
  if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${path} → ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

async function login(name: string): Promise<Session> {
  return api<Session>(stack.apiUrls[0]!, '/v1/auth/guest', { method: 'POST', body: JSON.stringify({ name }) });
}

/** Matchmakes through the API and connects straight to the host node, as the browser does. */
async function play(session: Session, mode = 'stateful'): Promise<{ room: Room; node: NodeInfo; seatMs: number }> {
  const t0 = performance.now();
  const { reservation } = await api<MatchmakeResult>(stack.apiUrls[1]!, '/v1/matchmake', {
    method: 'POST', token: session.accessToken, body: JSON.stringify({ mode }),
  });
  const seatMs = performance.now() - t0;
  const client = new Client(`http://${reservation.publicAddress}`);
  const room = await client.consumeSeatReservation(reservation as never);
  open.push(room);
  const node = await nextMessage<NodeInfo>(room, 'node');
  return { room, node, seatMs };
}

async function clusterView(): Promise<ClusterStatus> {
  return api<ClusterStatus>(stack.apiUrls[0]!, '/v1/cluster');
}

/** Resolves when the cluster view satisfies `predicate`, re-reading it as fast as the API answers. */
async function clusterWhere(predicate: (c: ClusterStatus) => boolean, what: string, timeoutMs: number): Promise<number> {
  const t0 = performance.now();
  for (;;) {
    if (predicate(await clusterView())) return performance.now() - t0;
    if (performance.now() - t0 > timeoutMs) throw new Error(`cluster view: ${what} not seen within ${timeoutMs} ms`);
  }
}

/** Keeps reading the leaderboard from both API instances until stopped; counts failures. */
function leaderboardLoop() {
  let running = true;
  const tally = { ok: 0, failed: 0 };
  const loop = (async () => {
    for (let i = 0; running; i++) {
      const res = await fetch(`${stack.apiUrls[i % 2]!}/v1/leaderboards/score-best?limit=10`).catch(() => null);
      if (res?.ok) tally.ok++;
      else tally.failed++;
    }
  })();
  return { tally, stop: async () => ((running = false), await loop, tally) };
}

describe('killing the host of a stateful room', () => {
  it('both players notice at once, the cluster marks it dead, and the next match is seated on a live node without a stall', async () => {
    const [ann, bob] = await Promise.all([login('Ann'), login('Bob')]);
    const a = await play(ann);
    const b = await play(bob);
    expect(b.room.roomId).toBe(a.room.roomId);
    const host = a.node.nodeId;
    await clusterWhere((c) => c.nodes.filter((n) => n.state === 'alive').length === 3, '3 live nodes', 5000);

    // The API's node watcher has seen the host alive (so it can see it die).
    await expect.poll(() => fetch(`${stack.apiUrls[0]!}/metrics`).then((r) => r.text()), { timeout: 2000 })
      .toMatch(new RegExp(`statecraft_node_up\\{node="${host}"\\} 1`));
    const reads = leaderboardLoop();
    const lostA = connectionLost(a.room, 2000);
    const lostB = connectionLost(b.room, 2000);
    const killedAt = performance.now();
    await stack.cluster!.inject('kill', host);
    const [la, lb] = await Promise.all([lostA, lostB]);
    expect(la.at - killedAt).toBeLessThan(500);
    expect(lb.at - killedAt).toBeLessThan(500);
    await clusterWhere((c) => c.nodes.find((n) => n.id === host)?.state === 'dead', `${host} dead`, 2000);
    expect(performance.now() - killedAt).toBeLessThan(1000);

    const again = await play(ann);
    expect(again.node.nodeId).not.toBe(host);
    expect(again.seatMs).toBeLessThan(1500); // Colyseus alone stalls 4–5 s here
    // Each API instance's watcher counts the death (it polls every 250 ms).
    await expect.poll(() => fetch(`${stack.apiUrls[0]!}/metrics`).then((r) => r.text()), { timeout: 2000 })
      .toMatch(new RegExp(`statecraft_node_deaths_seen_total\\{node="${host}"\\} [1-9]`));
    const tally = await reads.stop();
    expect(tally.failed).toBe(0);
    expect(tally.ok).toBeGreaterThan(0);

    await stack.cluster!.inject('restart', host);
    await clusterWhere((c) => c.nodes.find((n) => n.id === host)?.state === 'alive', `${host} alive again`, 5000);
  });
});

describe('freezing the host', () => {
  it('is noticed by the client heartbeat and the cluster within 2 s, and a thaw brings the node back', async () => {
    const cat = await login('Cat');
    const c = await play(cat);
    const host = c.node.nodeId;
    // The client's application heartbeat: a ping every 250 ms; the host is frozen when none is answered for 1.5 s.
    let lastPong = performance.now();
    c.room.onMessage('pong', () => (lastPong = performance.now()));
    const pinger = setInterval(() => c.room.send('ping', { t: performance.now() }), 250);
    try {
      await nextMessage(c.room, 'pong', 2000);
      const frozenAt = performance.now();
      await stack.cluster!.inject('freeze', host);
      const seenDead = await clusterWhere((s) => s.nodes.find((n) => n.id === host)?.state === 'dead', `${host} dead`, 2500);
      expect(seenDead).toBeLessThan(2000);
      expect(performance.now() - lastPong).toBeGreaterThan(1000);
      expect(lastPong).toBeLessThan(frozenAt + 300);

      // While frozen, nobody is seated on it.
      const dan = await login('Dan');
      const d = await play(dan);
      expect(d.node.nodeId).not.toBe(host);

      await stack.cluster!.inject('thaw', host);
      await clusterWhere((s) => s.nodes.find((n) => n.id === host)?.state === 'alive', `${host} alive after thaw`, 3000);
      await nextMessage(c.room, 'pong', 3000); // the thawed host carries on serving its room
    } finally {
      clearInterval(pinger);
    }
  });
});

describe('killing an API instance', () => {
  it('loses no request when the client retries once on the other instance', async () => {
    let failed = 0;
    let served = 0;
    const loop = (async () => {
      for (let i = 0; i < 300; i++) {
        const first = stack.apiUrls[i % 2]!;
        const other = stack.apiUrls[(i + 1) % 2]!;
        const res = await fetch(`${first}/v1/leaderboards/score-total?limit=5`).catch(() => fetch(`${other}/v1/leaderboards/score-total?limit=5`)).catch(() => null);
        if (res?.ok) served++;
        else failed++;
        if (i === 50) await stack.cluster!.inject('kill', 'api-1');
      }
    })();
    await loop;
    expect(failed).toBe(0);
    expect(served).toBe(300);
  });
});
