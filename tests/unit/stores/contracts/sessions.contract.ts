import { beforeEach, describe, expect, it } from 'vitest';
import type { SessionStore } from '../../../../server/stores/sessions';

export type SessionFactory = () => Promise<SessionStore>;

/** The contract every SessionStore passes. */
export function sessionContract(label: string, factory: SessionFactory): void {
  describe(`SessionStore contract: ${label}`, () => {
    let store: SessionStore;
    beforeEach(async () => {
      store = await factory();
    });

    it('issues opaque tokens that can be consumed once', async () => {
      const token = await store.issue({ playerId: 'p-1', name: 'Ann' });
      expect(token).toMatch(/^[A-Za-z0-9_-]{40,}$/);
      expect(await store.consume(token)).toEqual({ playerId: 'p-1', name: 'Ann' });
      expect(await store.consume(token)).toBeNull();
    });

    it('lets only one of several concurrent consumers win', async () => {
      const token = await store.issue({ playerId: 'p-1', name: 'Ann' });
      const results = await Promise.all(Array.from({ length: 6 }, () => store.consume(token)));
      expect(results.filter((r) => r !== null)).toHaveLength(1);
    });

    it('refuses unknown tokens', async () => {
      expect(await store.consume('x'.repeat(43))).toBeNull();
    });
  });
}
