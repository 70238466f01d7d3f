import { describe, expect, it } from 'vitest';
import { ARTIFACTS, browserStack, joinAs, pageErrors, snapshot, type StatecraftWindow as Win } from '../support/browser';

/** How long the store stays dead once the page has shown it: long enough to read "not saved for N s" with N ≥ 3. */
const OUTAGE_UNSAVED_MS = 3_500;

describe('the store goes away under a checkpointed match in the browser', () => {
  const { stack, openPlayer } = browserStack({ gameNodes: 1, apis: 2, web: true, control: true, env: { MATCH_SECONDS: '120' } });

  it('SIGKILL Redis: the HUD says "not saved for N s" and the match pauses, the lobby says what is paused; Redis back: saved again, play resumes, no console errors', async () => {
    const ann = await openPlayer();
    const annErrors = pageErrors(ann, { statuses: [503] });
    // Both pages load before the match starts: on a 2-core machine a page loading stalls every
    // process, the host too, for up to a second, and Ann's page would rightly take that for a frozen host.
    const bob = await openPlayer();
    const bobErrors = pageErrors(bob, { statuses: [503] });
    const before = await joinAs(ann, 'Ann', 'checkpointed');
    expect(before.mode).toBe('checkpointed');
    // The match is running: ticks advance.
    await ann.waitForFunction((t) => (globalThis as unknown as Win).__statecraft.tick > t + 5, before.tick, { timeout: 5_000 });
    expect((await snapshot(ann)).store).toMatchObject({ store: 'ok', paused: false });

    await bob.waitForFunction(() => (globalThis as unknown as Win).__statecraft.storeSeen === 'up', null, { timeout: 10_000 });
    expect(await bob.getByTestId('lobby-store').isHidden()).toBe(true);

    await stack.redis!.kill();

    // The host fences itself within about a second and says so; the HUD counts the unsaved time up live.
    await ann.waitForFunction((ms) => {
      const s = (globalThis as unknown as Win).__statecraft.store;
      return s !== null && s.store === 'unreachable' && s.paused && s.unsavedMs !== null && s.unsavedMs > ms;
    }, 1_500, { timeout: 10_000 });
    const pausedAt = await snapshot(ann);
    await ann.waitForFunction((ms) => ((globalThis as unknown as Win).__statecraft.store?.unsavedMs ?? 0) > ms, OUTAGE_UNSAVED_MS, { timeout: 10_000 });
    // Paused past the follow's bound: the page asked the API for the room, which cannot reach the store
    // either. The HUD and the follow's last answer are read in one go: a host notice between two reads
    // (a stall on a loaded machine makes the host re-check its epoch) can restart the follow.
    const hud = await (await ann.waitForFunction(() => {
      const page = globalThis as unknown as Win & { document: { querySelector(selector: string): { textContent: string | null } | null } };
      const text = page.document.querySelector('[data-testid="hud-store"]')?.textContent ?? '';
      const following = page.__statecraft.following;
      return following?.lastAnswer === 'store-down' && text.includes('the API cannot reach the store either') ? text : false;
    }, null, { timeout: 10_000 })).jsonValue();
    expect(hud).toMatch(/^store unreachable: not saved for \d+ s — paused; the API cannot reach the store either: the whole cluster waits for it( \(asking again in \d+\.\d s\))?$/);
    expect(Number(/for (\d+) s/.exec(String(hud))![1])).toBeGreaterThanOrEqual(3);
    // Paused: not one tick of play while the room cannot be saved.
    const held = await snapshot(ann);
    expect(held.tick).toBe(pausedAt.tick);
    expect(held.phase).toBe('playing');
    expect(held.connected).toBe(true);

    // The lobby in the other page: the API answers redis/unavailable, and the page says what that pauses.
    await bob.getByTestId('lobby-store').waitFor({ state: 'visible', timeout: 5_000 });
    expect(await bob.getByTestId('lobby-store').textContent())
      .toBe('store unreachable: login, matchmaking and leaderboards are paused; matches in progress continue');
    expect(await bob.getByTestId('store-state').textContent()).toBe('down');
    // This test's Redis is not the supervisor's: the card's buttons are off and it says why.
    expect(await bob.getByTestId('store-kill').isDisabled()).toBe(true);
    expect(await bob.getByTestId('store-faults-off').textContent()).toMatch(/^(Store faults|Kill and restart store) are off: /);
    // Play during the outage: the lobby retries with backoff and says so, instead of failing the click.
    await bob.getByTestId('name-input').fill('Bob');
    await bob.getByTestId('play-button').click();
    await expect.poll(() => bob.getByTestId('lobby-status').textContent(), { timeout: 5_000 })
      .toMatch(/^The store is unreachable: retrying in \d+\.\d s \(attempt \d+\)…$/);
    await ann.screenshot({ path: `${ARTIFACTS}/store-outage-hud.png` });
    await bob.screenshot({ path: `${ARTIFACTS}/store-outage-lobby.png` });

    await stack.redis!.restart();

    // Saved again and playing, in place: the same room on the same node, no recovery.
    // Read at the moment it resumes: on a loaded machine a later event-loop stall may lapse the lease
    // again (a correct, brief self-fence), and the page would then report that pause instead.
    const pausedMs = await (await ann.waitForFunction(() => {
      const s = (globalThis as unknown as Win).__statecraft.store;
      return s !== null && s.store === 'ok' && !s.paused && s.back !== null && s.back.pausedMs !== null ? s.back.pausedMs : null;
    }, null, { timeout: 10_000 })).jsonValue();
    expect(await ann.getByTestId('hud-store').textContent()).toMatch(/^store back: saved again \(play was paused for \d+\.\d s\)$/);
    expect(pausedMs).toBeGreaterThan(OUTAGE_UNSAVED_MS - 1_500);
    await ann.waitForFunction((t) => (globalThis as unknown as Win).__statecraft.tick > t + 5, held.tick, { timeout: 5_000 });
    const after = await snapshot(ann);
    expect(after).toMatchObject({ phase: 'playing', connected: true, roomId: before.roomId, nodeId: before.nodeId, lost: null, recovery: null });

    // Bob's retries get him a seat once the store is back; the lobby's notice went with the outage.
    await bob.waitForFunction(() => {
      const s = (globalThis as unknown as Win).__statecraft;
      return s.phase === 'playing' && s.connected && s.nodeId !== null && s.storeSeen === 'up';
    }, null, { timeout: 20_000 });
    await ann.screenshot({ path: `${ARTIFACTS}/store-back-hud.png` });

    expect(annErrors).toEqual([]);
    expect(bobErrors).toEqual([]);
  });
});
