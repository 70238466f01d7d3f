import { beforeEach, describe, expect, it } from 'vitest';
import type { Checkpoint, CheckpointStore } from '../../../../server/stores/checkpoints';

export type CheckpointFactory = () => Promise<CheckpointStore>;

const A = { nodeId: 'node-1', processId: 'proc-a' };
const B = { nodeId: 'node-2', processId: 'proc-b' };

function snapshot(roomId: string, epoch: number, tick: number): Checkpoint {
  return { roomId, epoch, ...A, tick, savedAt: 1000 + tick, state: Uint8Array.from([tick % 256, 1, 2, 3, 0, 255]), meta: JSON.stringify({ tick }) };
}

/** The contract every CheckpointStore passes. */
export function checkpointContract(label: string, factory: CheckpointFactory): void {
  describe(`CheckpointStore contract: ${label}`, () => {
    let store: CheckpointStore;
    beforeEach(async () => {
      store = await factory();
    });

    it('claims rooms under growing epochs and names the host', async () => {
      expect(await store.claim('r1', A)).toBe(1);
      expect(await store.host('r1')).toEqual({ roomId: 'r1', epoch: 1, ...A });
      expect(await store.claim('r1', B)).toBe(2);
      expect(await store.host('r1')).toEqual({ roomId: 'r1', epoch: 2, ...B });
      expect(await store.host('nope')).toBeNull();
    });

    it('saves and loads snapshots byte for byte', async () => {
      const epoch = await store.claim('r1', A);
      expect(await store.load('r1')).toBeNull();
      expect(await store.save(snapshot('r1', epoch, 7))).toBe(true);
      const loaded = await store.load('r1');
      expect(loaded).toMatchObject({ roomId: 'r1', epoch, tick: 7, savedAt: 1007, meta: '{"tick":7}' });
      expect([...loaded!.state]).toEqual([7, 1, 2, 3, 0, 255]);
    });

    it('refuses a write from a stale epoch and keeps the newer snapshot', async () => {
      const old = await store.claim('r1', A);
      await store.save(snapshot('r1', old, 10));
      const current = await store.claim('r1', B);
      expect(await store.save(snapshot('r1', current, 11))).toBe(true);
      expect(await store.save(snapshot('r1', old, 99))).toBe(false);
      expect((await store.load('r1'))!.tick).toBe(11);
    });

    it('refuses writes to a room nobody claimed', async () => {
      expect(await store.save(snapshot('ghost', 1, 1))).toBe(false);
      expect(await store.load('ghost')).toBeNull();
    });

    it('lets the last holder reclaim a room the store forgot, under the next epoch, and nobody else', async () => {
      // The store lost its data (a restart without persistence): the copy that held epoch 3 carries on as 4.
      expect(await store.reclaim('r1', A, 3)).toBe(4);
      expect(await store.host('r1')).toEqual({ roomId: 'r1', epoch: 4, ...A });
      expect(await store.save(snapshot('r1', 4, 5))).toBe(true);
      // Known to the store: a reclaim changes nothing, whoever asks; the fence still decides.
      expect(await store.reclaim('r1', B, 9)).toBeNull();
      expect(await store.save(snapshot('r1', 3, 6))).toBe(false);
      expect((await store.host('r1'))!.epoch).toBe(4);
    });

    it('lists rooms and forgets ended ones only under the current epoch', async () => {
      const e1 = await store.claim('r1', A);
      await store.claim('r2', B);
      expect((await store.list()).map((h) => h.roomId).sort()).toEqual(['r1', 'r2']);
      const e2 = await store.claim('r1', B);
      await store.remove('r1', e1);
      expect(await store.host('r1')).not.toBeNull();
      await store.remove('r1', e2);
      expect(await store.host('r1')).toBeNull();
      expect((await store.list()).map((h) => h.roomId)).toEqual(['r2']);
    });

    it('grants a restore lease to exactly one of many concurrent callers', async () => {
      const results = await Promise.all(Array.from({ length: 8 }, (_, i) => store.lease('r1', `owner-${i}`, 5000)));
      expect(results.filter(Boolean)).toHaveLength(1);
      const winner = `owner-${results.indexOf(true)}`;
      expect(await store.restoring('r1')).toBe(true);
      expect(await store.restoring('r2')).toBe(false);
      await store.release('r1', 'someone-else');
      expect(await store.lease('r1', 'late', 5000)).toBe(false);
      await store.release('r1', winner);
      expect(await store.restoring('r1')).toBe(false);
      expect(await store.lease('r1', 'late', 5000)).toBe(true);
    });
  });
}
