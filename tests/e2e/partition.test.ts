import { describe, expect, it } from 'vitest';
import { ARTIFACTS, browserStack, joinAs, pageErrors, snapshot, type StatecraftWindow as Win } from '../support/browser';

const CHECKPOINT_MS = 250;
const TICK_MS = 50;
/** The host plays on until its lease lapses, 1 s after its last acknowledged heartbeat: that play is in no checkpoint. */
const LEASE_MS = 1000;

describe('a checkpointed match in the browser whose host is partitioned from the store', () => {
  const { openPlayer } = browserStack({
    gameNodes: 3, apis: 2, web: true, control: true, env: { CHECKPOINT_MS: String(CHECKPOINT_MS), MATCH_SECONDS: '120' },
  });

  it('partition my host from the store: the HUD says paused, then the page is back in play on another node with the numbers of the recovery', async () => {
    const page = await openPlayer();
    // A restore answers 409 room/restoring while it is under way; Chromium logs those answers.
    const errors = pageErrors(page, { statuses: [409, 503] });
    const before = await joinAs(page, 'Pat', 'checkpointed');
    const host = before.nodeId!;
    await expect.poll(() => page.getByTestId('hud-epoch').textContent()).toMatch(/^\d+$/);
    const epoch = Number(await page.getByTestId('hud-epoch').textContent());
    await page.waitForFunction((t) => (globalThis as unknown as Win).__statecraft.tick > t + 10, before.tick, { timeout: 5_000 });

    // The map offers the network faults (the supervisor answers GET /network) with fencing on.
    const partition = page.getByTestId(`fault-partition-${host}`);
    await partition.waitFor({ state: 'visible', timeout: 5_000 });
    expect(await page.getByTestId('fencing-state').textContent()).toBe('on');
    expect(await page.getByTestId('fencing-toggle').isChecked()).toBe(true);
    await expect.poll(() => partition.isEnabled(), { timeout: 5_000 }).toBe(true);
    await partition.click();

    // The host fences itself (about 1 s after its last acknowledged heartbeat) and says so.
    await page.waitForFunction(() => (globalThis as unknown as Win).__statecraft.store?.paused === true, null, { timeout: 5_000 });
    const paused = await snapshot(page);
    expect(paused).toMatchObject({ phase: 'playing', connected: true, nodeId: host, store: { store: 'unreachable', paused: true } });
    expect(await page.getByTestId('hud-store').textContent()).toMatch(/^store unreachable: not saved for \d+ s — paused/);
    await expect.poll(() => page.getByTestId(`net-faults-${host}`).textContent(), { timeout: 5_000 }).toMatch(/^network: partitioned from the store for \d+ s$/);
    await page.screenshot({ path: `${ARTIFACTS}/partition-paused.png` });

    // The page follows the room through the API to the copy a peer restored, and leaves the paused one.
    await page.waitForFunction(() => (globalThis as unknown as Win).__statecraft.recovery !== null, null, { timeout: 15_000 });
    const after = await snapshot(page);
    const r = after.recovery!;
    process.stderr.write(`[partition] ${JSON.stringify(r)}\n`);
    expect(after).toMatchObject({ phase: 'playing', connected: true, lost: null, roomId: before.roomId, playerId: before.playerId, nodeId: r.toNode });
    expect(r.fromNode).toBe(host);
    expect(r.toNode).not.toBe(host);
    expect(r.epoch).toBe(epoch + 1);
    // Detected by the pause notice, about 1 s after the press (the lease lapses 1 s after the last acknowledged heartbeat).
    expect(r.detectedMs).toBeGreaterThan(500);
    expect(r.detectedMs).toBeLessThan(2_500);
    expect(r.backInPlayMs).toBeGreaterThan(r.detectedMs);
    expect(r.backInPlayMs).toBeLessThan(5_000);
    expect(r.ticksLost).not.toBeNull();
    expect(r.ticksLost!).toBeLessThanOrEqual((LEASE_MS + CHECKPOINT_MS) / TICK_MS + 3);
    expect(r.msLost).toBe(r.ticksLost! * TICK_MS);

    await page.getByTestId('recovered-banner').waitFor({ state: 'visible' });
    expect(await page.getByTestId('recovered-banner').textContent()).toBe('Session recovered: you are back in play');
    expect(await page.getByTestId('recovery-detected-ms').textContent()).toBe(`${Math.round(r.detectedMs)} ms`);
    expect(await page.getByTestId('recovery-back-ms').textContent()).toBe(`${Math.round(r.backInPlayMs)} ms`);
    expect(await page.getByTestId('recovery-route').textContent()).toBe(`${host} → ${r.toNode}`);
    expect(await page.getByTestId('recovery-epoch').textContent()).toBe(String(epoch + 1));
    expect(await page.getByTestId('session-recovery-route').textContent()).toBe(`${host} → ${r.toNode}`);
    await expect.poll(() => page.getByTestId('hud-epoch').textContent()).toBe(String(epoch + 1));
    expect(await page.getByTestId('loss-panel').count()).toBe(0);
    // Play goes on on the live copy: ticks move, and the store line is gone.
    await page.waitForFunction((t) => (globalThis as unknown as Win).__statecraft.tick > t + 5, after.tick, { timeout: 5_000 });
    expect((await snapshot(page)).store).toMatchObject({ store: 'ok', paused: false });
    await page.screenshot({ path: `${ARTIFACTS}/partition-recovered.png` });

    // Heal: the fault leaves the map.
    await page.getByTestId(`fault-heal-${host}`).click();
    await page.getByTestId(`net-faults-${host}`).waitFor({ state: 'hidden', timeout: 5_000 });
    expect(errors).toEqual([]);
  });
});
