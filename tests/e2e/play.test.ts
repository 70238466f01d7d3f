import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { ARTIFACTS, browserStack, joinAs, snapshot, type StatecraftWindow as Win } from '../support/browser';

describe('playing in the browser', () => {
  const { openPlayer } = browserStack({ gameNodes: 1, apis: 2, web: true }, { viewport: { width: 1440, height: 900 } });

  it('logs in, joins a match, moves, and sees the other player', async () => {
    // Both pages load first: a page loading stalls every process on a 2-core machine, Alice's host too.
    const alice = await openPlayer();
    const bob = await openPlayer();
    const first = await joinAs(alice, 'Alice');
    expect(first.phase).toBe('playing');
    expect(await alice.getByTestId('hud-room-id').textContent()).toBe(first.roomId);
    expect(await alice.getByTestId('hud-node-id').textContent()).toBe(first.nodeId);
    // The API instance that answered is on show, through the one entry point.
    expect(await alice.getByTestId('hud-api-instance').textContent()).toMatch(/^api-\d+$/);
    // Game traffic is pinned to the host's route on the ingress, the page's own origin.
    expect(await alice.getByTestId('hud-pinned').textContent()).toBe(`pinned to ${first.nodeId} via /${first.nodeId}`);
    // The balancer's own view: both API instances in its pool.
    await alice.getByTestId('pool-api-1').and(alice.locator('[data-state="ready"]')).waitFor({ timeout: 5000 });
    await alice.getByTestId('pool-api-2').and(alice.locator('[data-state="ready"]')).waitFor({ timeout: 5000 });

    // Hold a direction away from the nearer wall until the server-reconciled position has moved.
    const key = first.x < 640 ? 'KeyD' : 'KeyA';
    await alice.keyboard.down(key);
    await alice.waitForFunction((x0) => Math.abs((globalThis as unknown as Win).__statecraft.x - x0) > 40, first.x, { timeout: 10_000 });
    await alice.keyboard.up(key);
    const moved = await snapshot(alice);
    expect(moved.y).toBeCloseTo(first.y, 0);

    const second = await joinAs(bob, 'Bob');
    expect(second.roomId).toBe(first.roomId);
    expect(second.playerId).not.toBe(first.playerId);

    const seesBoth = (page: Page) => page.waitForFunction(() => {
      const names = (globalThis as unknown as Win).__statecraft.players;
      return names.includes('Alice') && names.includes('Bob');
    }, null, { timeout: 10_000 });
    await Promise.all([seesBoth(alice), seesBoth(bob)]);

    await alice.screenshot({ path: `${ARTIFACTS}/play-alice.png` });
    await bob.screenshot({ path: `${ARTIFACTS}/play-bob.png` });
  });
});
