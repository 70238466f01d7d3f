import { beforeEach, describe, expect, it } from 'vitest';
import type { NodeHeartbeat, NodeRegistry } from '../../../../server/stores/registry';

export const TTL_MS = 1500;
export const FORGET_AFTER_MS = 60_000;

/** A registry plus a way to let time pass for it (a fake clock, and on Redis the keys' TTLs too). */
export interface RegistryHarness {
  registry: NodeRegistry;
  advance(ms: number): Promise<void>;
}

export type RegistryFactory = () => Promise<RegistryHarness>;

const node = (id: string, extra: Partial<NodeHeartbeat> = {}): NodeHeartbeat => ({
  id, address: `127.0.0.1:${id.length + 4000}`, pid: 100, startedAt: 1, rooms: 2, players: 7, state: 'alive', ...extra,
});

/** The contract every NodeRegistry passes (ttlMs = TTL_MS, forgetAfterMs = FORGET_AFTER_MS). */
export function registryContract(label: string, factory: RegistryFactory): void {
  describe(`NodeRegistry contract: ${label}`, () => {
    let h: RegistryHarness;
    beforeEach(async () => {
      h = await factory();
    });

    it('lists heartbeating nodes as alive with their last report, sorted by id', async () => {
      await h.registry.heartbeat(node('node-2', { state: 'draining' }));
      await h.registry.heartbeat(node('node-1'));
      await h.registry.heartbeat(node('node-1', { rooms: 3 }));
      const nodes = await h.registry.nodes();
      expect(nodes.map((n) => [n.id, n.state, n.rooms])).toEqual([['node-1', 'alive', 3], ['node-2', 'draining', 2]]);
      expect(nodes[0]).toMatchObject({ address: '127.0.0.1:4006', pid: 100, startedAt: 1, players: 7 });
      expect(typeof nodes[0]?.lastHeartbeat).toBe('number');
    });

    it('marks a node dead once its heartbeat lapses, and alive again when it returns', async () => {
      await h.registry.heartbeat(node('node-1'));
      await h.advance(TTL_MS - 500);
      expect((await h.registry.nodes())[0]?.state).toBe('alive');
      await h.advance(600);
      expect((await h.registry.nodes())[0]?.state).toBe('dead');
      await h.registry.heartbeat(node('node-1'));
      expect((await h.registry.nodes())[0]?.state).toBe('alive');
    });

    it('marks a node dead at once when it leaves', async () => {
      await h.registry.heartbeat(node('node-1'));
      await h.registry.leave('node-1');
      expect((await h.registry.nodes())[0]?.state).toBe('dead');
    });

    it('forgets members silent for longer than forgetAfterMs', async () => {
      await h.registry.heartbeat(node('node-1'));
      await h.registry.apiHeartbeat({ id: 'api-1', pid: 1, startedAt: 1 });
      await h.advance(FORGET_AFTER_MS + 1);
      expect(await h.registry.nodes()).toEqual([]);
      expect(await h.registry.apis()).toEqual([]);
    });

    it('counts requests per API instance and tracks its liveness', async () => {
      await h.registry.apiHeartbeat({ id: 'api-2', pid: 2, startedAt: 1 });
      await h.registry.apiHeartbeat({ id: 'api-1', pid: 1, startedAt: 1 });
      await Promise.all(Array.from({ length: 5 }, () => h.registry.countRequests('api-1')));
      await h.registry.countRequests('api-2', 3);
      let apis = await h.registry.apis();
      expect(apis.map((a) => [a.id, a.pid, a.requests, a.alive])).toEqual([['api-1', 1, 5, true], ['api-2', 2, 3, true]]);
      await h.advance(TTL_MS + 1);
      apis = await h.registry.apis();
      expect(apis.map((a) => a.alive)).toEqual([false, false]);
    });

    it('lists nothing when nobody has reported', async () => {
      expect(await h.registry.nodes()).toEqual([]);
      expect(await h.registry.apis()).toEqual([]);
    });
  });
}
