import '../../../server/common/websocket-global';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Client } from '@colyseus/sdk';
import type { MatchmakeResult, Session } from '../../../shared/api';
import { ArenaState } from '../../../shared/schema';
import { LightClients } from '../../../bench/gamenode/light-client';
import { startRedis, type TestRedis } from '../../support/redis';
import { startServers, type Servers } from '../api/processes';

// The capacity curve's players speak the game node's protocol by hand: if a Colyseus upgrade
// changes it, they must fail here, not quietly measure a node that ignores them.
let redis: TestRedis | undefined;
let servers: Servers | undefined;

afterAll(async () => {
  await servers?.stop();
  await redis?.stop();
});
beforeAll(async () => {
  redis = await startRedis();
  servers = await startServers(redis.url);
}, 60_000);

it('light clients take their seats through the API, hear the room, and move their players', async () => {
  const light = new LightClients({ apiUrls: servers!.apiUrls, players: 3, perRoom: 4, mode: 'stateful', namePrefix: 'light' });
  expect(await light.start()).toBe(0);
  try {
    expect(light.sample().rooms).toHaveLength(1);
    // A player of the real client in the same room watches the light clients' players.
    const post = async <T>(path: string, body: object, token?: string) => (await fetch(`${servers!.apiUrls[0]}${path}`, {
      method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    })).json() as Promise<T>;
    const session = await post<Session>('/v1/auth/guest', { name: 'watcher' });
    const { reservation } = await post<MatchmakeResult>('/v1/matchmake', { mode: 'stateful', maxPlayers: 4 }, session.accessToken);
    expect(reservation.roomId).toBe(light.sample().rooms[0]);
    const room = await new Client(`http://127.0.0.1:${servers!.gamePort}`).consumeSeatReservation(reservation as Parameters<Client['consumeSeatReservation']>[0], ArenaState);
    try {
      const positions = () => new Map([...room.state.players.values()].filter((p) => p.name.startsWith('light')).map((p) => [p.name, `${p.x},${p.y}`]));
      await expect.poll(() => positions().size, { timeout: 5_000 }).toBe(3);
      const before = positions();
      // Each walks every tick: within a second every one of them is somewhere else.
      await expect.poll(() => [...positions()].filter(([name, at]) => before.get(name) !== at).length, { timeout: 2_000, interval: 50 }).toBe(3);
      expect(light.sample()).toMatchObject({ inPlay: 3, losses: 0 });
      expect(light.sample().messagesIn).toBeGreaterThan(0);
    } finally {
      await room.leave();
    }
  } finally {
    light.stop();
  }
}, 30_000);
