import { beforeEach, describe, expect, it } from 'vitest';
import type { SessionStore } from '../../../../server/stores/sessions';

/** A store whose reuse grace window is `GRACE_MS` (real time: Redis expires keys on its own clock). */
export type SessionFactory = () => Promise<SessionStore>;
export const GRACE_MS = 300;

/** The contract every SessionStore passes. */
export function sessionContract(label: string, factory: SessionFactory): void {
  describe(`SessionStore contract: ${label}`, () => {
    let store: SessionStore;
    beforeEach(async () => {
      store = await factory();
    });

    it('issues opaque tokens that trade in for a new one, which trades in again', async () => {
      const token = await store.issue({ playerId: 'p-1', name: 'Ann' });
      expect(token).toMatch(/^[A-Za-z0-9_-]{40,}$/);
      const first = await store.rotate(token);
      expect(first).toEqual({ grant: { playerId: 'p-1', name: 'Ann' }, refreshToken: expect.stringMatching(/^[A-Za-z0-9_-]{40,}$/) });
      expect(first!.refreshToken).not.toBe(token);
      const second = await store.rotate(first!.refreshToken);
      expect(second?.grant).toEqual({ playerId: 'p-1', name: 'Ann' });
      expect(second!.refreshToken).not.toBe(first!.refreshToken);
    });

    it('answers the same token again within the grace window with the same replacement (a lost answer keeps the identity)', async () => {
      const token = await store.issue({ playerId: 'p-1', name: 'Ann' });
      const first = await store.rotate(token);
      expect(await store.rotate(token)).toEqual(first);
      // The replacement still works: it was stored in the same step that consumed the old token.
      expect((await store.rotate(first!.refreshToken))?.grant.playerId).toBe('p-1');
    });

    it('gives every concurrent trade of one token the same replacement', async () => {
      const token = await store.issue({ playerId: 'p-1', name: 'Ann' });
      const results = await Promise.all(Array.from({ length: 6 }, () => store.rotate(token)));
      expect(new Set(results.map((r) => r?.refreshToken)).size).toBe(1);
      expect(results[0]?.grant.playerId).toBe('p-1');
    });

    it('refuses a traded-in token once the grace window is over', async () => {
      const token = await store.issue({ playerId: 'p-1', name: 'Ann' });
      const first = await store.rotate(token);
      await expect.poll(() => store.rotate(token), { timeout: GRACE_MS * 10, interval: 50 }).toBeNull();
      expect((await store.rotate(first!.refreshToken))?.grant.playerId).toBe('p-1');
    });

    it('refuses unknown tokens', async () => {
      expect(await store.rotate('x'.repeat(43))).toBeNull();
    });
  });
}
