import '../../../server/common/websocket-global';
import { Client, type Room } from '@colyseus/sdk';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ClusterStatus, MatchmakeResult, RejoinResult, SeatReservation, Session } from '../../../shared/api';
import { LocalStack } from '../../support/stack';
import { api } from '../../support/player';

// Where rooms are created when the node matchmaking picks has just frozen (SIGSTOP):
// its heartbeat key lives on for up to 1.2 s, and Colyseus, when a create request
// to it times out, creates the room in the caller's own process (an API instance,
// or a draining node). Three real game nodes and a real API over a real Redis.
const stack = new LocalStack();
const rooms: Room[] = [];
let redis: Redis | undefined;

beforeAll(async () => {
  await stack.start({ gameNodes: 3, apis: 1, web: false });
  redis = new Redis(stack.redis!.url);
}, 90_000);
afterAll(async () => {
  for (const r of rooms) if (r.connection.isOpen) r.connection.close();
  redis?.disconnect();
  await stack.stop();
});

const apiUrl = (): string => stack.apiUrls[0]!;

async function login(name: string): Promise<Session> {
  return (await api<Session>(apiUrl(), '/v1/auth/guest', { method: 'POST', body: { name } })).body;
}

async function join(reservation: SeatReservation): Promise<Room> {
  const room = await new Client(`http://${reservation.publicAddress}`).consumeSeatReservation(reservation as never);
  room.reconnection.enabled = false;
  room.onMessage('*', () => {}); // the host introduces itself ('node'); nothing here reads it
  rooms.push(room);
  return room;
}

async function seat(session: Session, mode: 'stateful' | 'checkpointed', maxPlayers: number): Promise<SeatReservation> {
  const res = await api<MatchmakeResult>(apiUrl(), '/v1/matchmake', { method: 'POST', token: session.accessToken, body: { mode, maxPlayers } });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.reservation;
}

/** node id → Colyseus process id, from the cluster view. */
async function processIds(): Promise<Map<string, string>> {
  const { body } = await api<ClusterStatus>(apiUrl(), '/v1/cluster');
  return new Map(body.nodes.filter((n) => n.processId).map((n) => [n.id, n.processId!]));
}

/** Every room listing Colyseus holds, as roomId → processId. */
async function listings(): Promise<Map<string, string>> {
  const raw = await redis!.hgetall('roomcaches');
  return new Map(Object.entries(raw).map(([id, json]) => [id, (JSON.parse(json) as { processId: string }).processId]));
}

/** Waits until Colyseus's room counts (what placement reads) include `n` rooms: they are persisted lazily. */
async function counted(n: number): Promise<void> {
  await expect.poll(async () => Object.values(await redis!.hgetall('roomcount')).reduce((sum, v) => sum + (Number(v.split(',')[0]) || 0), 0),
    { timeout: 5000, interval: 25 }).toBe(n);
}

const nodeOf = (ids: Map<string, string>, processId: string): string | undefined => [...ids].find(([, p]) => p === processId)?.[0];

let hosts: { checkpointed: string; stateful: string; idle: string };
let owner: Session;

it('seats a new room on a live node, never the frozen one it would have picked, nor the API', async () => {
  const ids = await processIds();
  expect(ids.size).toBe(3);
  owner = await login('Ann');
  const r = await join(await seat(owner, 'checkpointed', 4));
  await counted(1);
  const s = await join(await seat(await login('Bob'), 'stateful', 4));
  await counted(2);
  const byRoom = await listings();
  const checkpointed = nodeOf(ids, byRoom.get(r.roomId)!)!;
  const stateful = nodeOf(ids, byRoom.get(s.roomId)!)!;
  const idle = [...ids.keys()].find((id) => id !== checkpointed && id !== stateful)!;
  hosts = { checkpointed, stateful, idle };
  // The idle node has the fewest rooms: matchmaking would create the next room there.
  expect(new Set([checkpointed, stateful, idle]).size).toBe(3);

  const cy = await login('Cy');
  await stack.cluster!.inject('freeze', idle);
  try {
    const t0 = performance.now();
    const reservation = await seat(cy, 'stateful', 6);
    const ms = performance.now() - t0;
    expect([ids.get(checkpointed), ids.get(stateful)]).toContain(reservation.processId);
    await join(reservation); // and it is really there
    const all = await listings();
    const gameProcesses = new Set(ids.values());
    for (const [roomId, processId] of all) expect(gameProcesses.has(processId), `room ${roomId} listed on ${processId}`).toBe(true);
    expect(all.get(reservation.roomId)).toBe(reservation.processId);
    console.log(`seat with the preferred node frozen: ${ms.toFixed(0)} ms, on ${nodeOf(ids, reservation.processId)}`);
  } finally {
    await stack.cluster!.inject('thaw', idle);
  }
  await expect.poll(async () => (await api<ClusterStatus>(apiUrl(), '/v1/cluster')).body.nodes.find((n) => n.id === idle)?.state,
    { timeout: 5000, interval: 50 }).toBe('alive');
});

it('restores a dead host\'s room on a live node when the node it would pick has just frozen: never in the API, never a 500', async () => {
  const ids = await processIds();
  const roomId = rooms[0]!.roomId;
  // Its host dies, and the node with the fewest rooms freezes at the same moment.
  await stack.cluster!.inject('kill', hosts.checkpointed);
  await stack.cluster!.inject('freeze', hosts.idle);
  const statuses: number[] = [];
  let result: RejoinResult | undefined;
  try {
    const t0 = performance.now();
    while (!result && performance.now() - t0 < 10_000) {
      const res = await api<RejoinResult>(apiUrl(), `/v1/rooms/${roomId}/rejoin`, { method: 'POST', token: owner.accessToken });
      statuses.push(res.status);
      if (res.status === 200) result = res.body;
      else await new Promise((r) => setTimeout(r, 100)); // the API asked us to retry shortly
    }
    expect(statuses.every((s) => s === 200 || s === 409 || s === 503), `statuses ${statuses.join(',')}`).toBe(true);
    expect(result?.nodeId).toBe(hosts.stateful);
    const all = await listings();
    expect(all.get(roomId)).toBe(ids.get(hosts.stateful));
    const live = new Set([ids.get(hosts.stateful), ids.get(hosts.idle)]);
    for (const [id, processId] of all) expect(live.has(processId), `room ${id} listed on ${processId}`).toBe(true);
    await join(result!.reservation);
    console.log(`restore with the preferred node frozen: back in ${(performance.now() - t0).toFixed(0)} ms (statuses ${statuses.join(',')})`);
  } finally {
    await stack.cluster!.inject('thaw', hosts.idle);
  }
});
