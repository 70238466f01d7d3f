import { expect, it } from 'vitest';
import { MemoryLeaderboardStore } from '../../../server/stores/leaderboard-memory';
import { MemoryNodeRegistry } from '../../../server/stores/registry-memory';
import { MemorySessionStore } from '../../../server/stores/sessions-memory';
import { leaderboardContract } from './contracts/leaderboard.contract';
import { FORGET_AFTER_MS, TTL_MS, registryContract } from './contracts/registry.contract';
import { GRACE_MS, sessionContract } from './contracts/sessions.contract';
import { MemoryCheckpointStore } from '../../../server/stores/checkpoints-memory';
import { checkpointContract } from './contracts/checkpoints.contract';
import { MemoryRoomQuotaStore } from '../../../server/stores/room-quota-memory';
import { QUOTA_TTL_MS } from '../../../server/stores/room-quota';
import { roomQuotaContract } from './contracts/room-quota.contract';

checkpointContract('memory', async () => new MemoryCheckpointStore());

leaderboardContract('memory', async (clock) => {
  const checkpoints = new MemoryCheckpointStore();
  return { store: new MemoryLeaderboardStore(() => clock.now, async (roomId) => (await checkpoints.host(roomId))?.epoch ?? null), checkpoints };
});

registryContract('memory', async () => {
  let now = 1_000_000;
  return {
    registry: new MemoryNodeRegistry({ ttlMs: TTL_MS, forgetAfterMs: FORGET_AFTER_MS, now: () => now }),
    advance: async (ms) => {
      now += ms;
    },
  };
});

sessionContract('memory', async () => new MemorySessionStore(undefined, Date.now, GRACE_MS));

it('memory refresh tokens expire after their TTL', async () => {
  let now = 0;
  const store = new MemorySessionStore(60, () => now);
  const token = await store.issue({ playerId: 'p', name: 'n' });
  now += 60_001;
  expect(await store.rotate(token)).toBeNull();
});

roomQuotaContract('memory', async (clock) => new MemoryRoomQuotaStore(() => clock.now));

it('memory room quotas forget a player whose record lapsed', async () => {
  let now = 0;
  const store = new MemoryRoomQuotaStore(() => now);
  const claim = await store.claim('p', 3, async () => new Set());
  await store.settle('p', claim!, 'r1');
  expect(store.size).toBe(1);
  now += QUOTA_TTL_MS + 1;
  expect(store.size).toBe(0);
});

it('memory refresh tokens are purged once expired, not only refused', async () => {
  let now = 0;
  const store = new MemorySessionStore(60, () => now);
  for (let i = 0; i < 100; i++) await store.issue({ playerId: `p${i}`, name: 'n' });
  expect(store.size).toBe(100);
  now += 60_001;
  const kept = await store.issue({ playerId: 'late', name: 'n' });
  expect(store.size).toBe(1);
  expect((await store.rotate(kept))?.grant).toEqual({ playerId: 'late', name: 'n' });
});
