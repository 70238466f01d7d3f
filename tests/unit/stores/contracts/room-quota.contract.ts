import { beforeEach, describe, expect, it } from 'vitest';
import { CLAIM_MS, type RoomQuotaStore } from '../../../../server/stores/room-quota';

/** A clock tests can move. */
export interface QuotaClock { now: number }

/** The contract every RoomQuotaStore passes: run against the in-memory twin and Redis. */
export function roomQuotaContract(label: string, factory: (clock: QuotaClock) => Promise<RoomQuotaStore>): void {
  describe(`RoomQuotaStore contract: ${label}`, () => {
    let clock: QuotaClock;
    let store: RoomQuotaStore;
    const liveRooms = new Set<string>();
    const live = async (ids: string[]) => new Set(ids.filter((id) => liveRooms.has(id)));
    beforeEach(async () => {
      clock = { now: 1_000_000 };
      liveRooms.clear();
      store = await factory(clock);
    });

    async function create(player: string, roomId: string): Promise<boolean> {
      const claim = await store.claim(player, 2, live);
      if (!claim) return false;
      liveRooms.add(roomId);
      await store.settle(player, claim, roomId);
      return true;
    }

    it('caps the live rooms one player caused, and frees a slot when one of them ends', async () => {
      expect(await create('p-a', 'r1')).toBe(true);
      expect(await create('p-a', 'r2')).toBe(true);
      expect(await create('p-a', 'r3')).toBe(false);
      expect(await create('p-b', 'r4')).toBe(true); // another player's budget
      liveRooms.delete('r1');
      expect(await create('p-a', 'r5')).toBe(true);
      expect(await create('p-a', 'r6')).toBe(false);
    });

    it('counts pending claims, frees a claim settled without a room, and one never settled after CLAIM_MS', async () => {
      const first = await store.claim('p-a', 2, live);
      const second = await store.claim('p-a', 2, live);
      expect(first && second).toBeTruthy();
      expect(await store.claim('p-a', 2, live)).toBeNull();
      await store.settle('p-a', first!, null); // joined an existing room after all
      const third = await store.claim('p-a', 2, live);
      expect(third).toBeTruthy();
      expect(await store.claim('p-a', 2, live)).toBeNull();
      clock.now += CLAIM_MS + 1; // both pending claims were abandoned
      expect(await store.claim('p-a', 2, live)).toBeTruthy();
    });

    it('never lets concurrent claims take more than max slots', async () => {
      const claims = await Promise.all(Array.from({ length: 10 }, () => store.claim('p-a', 3, live)));
      expect(claims.filter(Boolean)).toHaveLength(3);
    });
  });
}
