import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { ARTIFACTS, browserStack, joinAs, snapshot, type StatecraftWindow as Win } from '../support/browser';
import type { LocalStack } from '../support/stack';

const CHECKPOINT_MS = 250;
const TICK_MS = 50;

/** Each test gets its own cluster, page and room: no test depends on another's epoch or dead node. */
const STACK = { gameNodes: 3, apis: 2, web: true, control: true, env: { CHECKPOINT_MS: String(CHECKPOINT_MS), MATCH_SECONDS: '120' } } as const;

/** Holds `key` until x has changed by more than `px` from where it was. */
async function moveWith(page: Page, key: string, px: number): Promise<void> {
  const x0 = (await snapshot(page)).x;
  await page.keyboard.down(key);
  try {
    await page.waitForFunction(([from, d]) => Math.abs((globalThis as unknown as Win).__statecraft.x - from!) > d!, [x0, px], { timeout: 5_000 });
  } finally {
    await page.keyboard.up(key);
  }
}

/** Resolves once `host` has written `count` more checkpoints (read from its Prometheus metrics). */
async function checkpointsLand(stack: LocalStack, host: string, count: number): Promise<void> {
  const url = `http://127.0.0.1:${stack.cluster!.get(host).spec.port}/metrics`;
  const written = async () => Number((await (await fetch(url)).text()).match(/statecraft_checkpoint_bytes_count\{[^}]*\} (\d+)/)?.[1] ?? 0);
  const start = await written();
  await expect.poll(written, { timeout: 5_000, interval: 50 }).toBeGreaterThanOrEqual(start + count);
}

describe('a checkpointed session in the browser survives its host being killed', () => {
  const { stack, openPlayer } = browserStack({ ...STACK, env: { ...STACK.env } });

  it('kill my host: "Recovering your session…", then back in play on another node with the numbers of the recovery', async () => {
    const page = await openPlayer();
    const before = await joinAs(page, 'Ann', 'checkpointed');
    expect(before.mode).toBe('checkpointed');
    expect(await page.getByTestId('hud-mode').textContent()).toBe('checkpointed');
    expect(await page.getByTestId('hud-epoch').textContent()).toBe('1');
    await expect.poll(() => page.getByTestId(`cluster-room-${before.roomId!}`).getAttribute('data-mode'), { timeout: 5_000 }).toBe('checkpointed');
    const host = before.nodeId!;

    // Play: move (so the server's position differs from the spawn), and let a few checkpoints land.
    await moveWith(page, 'ArrowLeft', 60);
    await page.keyboard.down('ArrowDown');
    await checkpointsLand(stack, host, 3);

    await page.getByTestId('kill-my-host').click();
    await page.getByTestId('recovering-banner').waitFor({ state: 'visible', timeout: 3_000 });
    const during = await snapshot(page);
    expect(['recovering', 'playing']).toContain(during.phase);
    await page.waitForFunction(() => (globalThis as unknown as Win).__statecraft.recovery !== null, null, { timeout: 15_000 });
    await page.keyboard.up('ArrowDown');
    const after = await snapshot(page);
    const r = after.recovery!;
    process.stderr.write(`[recovery] ${JSON.stringify(r)}\n`);
    expect(after.phase).toBe('playing');
    expect(after.lost).toBeNull();
    expect(after.playerId).toBe(before.playerId);
    expect(after.roomId).toBe(before.roomId);
    expect(r.fromNode).toBe(host);
    expect(r.toNode).not.toBe(host);
    expect(after.nodeId).toBe(r.toNode);
    expect(r.epoch).toBe(2);
    expect(r.detectedMs).toBeGreaterThanOrEqual(0);
    expect(r.detectedMs).toBeLessThan(1_500); // a killed process's socket is reset at once
    expect(r.backInPlayMs).toBeGreaterThan(r.detectedMs);
    expect(r.backInPlayMs).toBeLessThan(5_000);
    expect(r.ticksLost).not.toBeNull();
    expect(r.ticksLost!).toBeGreaterThanOrEqual(0);
    expect(r.ticksLost!).toBeLessThanOrEqual(CHECKPOINT_MS / TICK_MS + 3);
    expect(r.msLost).toBe(r.ticksLost! * TICK_MS);
    expect(r.scoreLost).toBeGreaterThanOrEqual(0);

    // The loss panel never showed; the recovery card and the session panel both carry the numbers.
    expect(await page.getByTestId('loss-panel').count()).toBe(0);
    await page.getByTestId('recovered-banner').waitFor({ state: 'visible' });
    expect(await page.getByTestId('recovery-detected-ms').textContent()).toMatch(/^\d+ ms$/);
    expect(await page.getByTestId('recovery-back-ms').textContent()).toBe(`${Math.round(r.backInPlayMs)} ms`);
    expect(await page.getByTestId('recovery-play-lost').textContent()).toBe(`${r.ticksLost} ticks (${r.msLost} ms)`);
    expect(await page.getByTestId('recovery-route').textContent()).toBe(`${host} → ${r.toNode}`);
    expect(await page.getByTestId('session-recovery-route').textContent()).toBe(`${host} → ${r.toNode}`);
    await expect.poll(() => page.getByTestId('hud-node-id').textContent()).toBe(r.toNode);
    expect(await page.getByTestId('hud-epoch').textContent()).toBe('2');

    // The map shows the room on its new node, marked as just moved.
    await expect.poll(async () => {
      const chip = page.getByTestId(`cluster-${r.toNode}`).getByTestId(`cluster-room-${before.roomId!}`);
      return (await chip.count()) > 0 ? chip.getAttribute('data-moved-from') : null;
    }, { timeout: 5_000 }).toBe(host);
    await page.screenshot({ path: `${ARTIFACTS}/recovered.png` });

    // And the player keeps playing: input from seq 1 again moves them on the new host.
    await moveWith(page, 'ArrowRight', 40);
    const moving = await snapshot(page);
    expect(moving.connected).toBe(true);
    expect(moving.nodeId).toBe(r.toNode);
    // The server agrees: once the new host has checkpointed the move, the position is not snapped back.
    await checkpointsLand(stack, r.toNode, 2);
    expect(Math.abs((await snapshot(page)).x - after.x)).toBeGreaterThan(40);
    // The numbers stay in the session panel after the card fades.
    expect(await page.getByTestId('session-recovery-back-ms').textContent()).toBe(`${Math.round(r.backInPlayMs)} ms`);
  });

});

describe('a checkpointed session in the browser is handed over by a draining host', () => {
  const { stack, openPlayer } = browserStack({ ...STACK, env: { ...STACK.env } });

  it('drain my host: a planned hand-off, followed at once, with nothing lost', async () => {
    const page = await openPlayer();
    const before = await joinAs(page, 'Bea', 'checkpointed');
    const host = before.nodeId!;
    await expect.poll(() => page.getByTestId('hud-epoch').textContent()).toMatch(/^\d+$/);
    const epochBefore = Number(await page.getByTestId('hud-epoch').textContent());
    await checkpointsLand(stack, host, 3);
    await page.getByTestId(`fault-drain-${host}`).click();
    await page.waitForFunction((h) => (globalThis as unknown as Win).__statecraft.recovery?.fromNode === h, host, { timeout: 15_000 });
    const after = await snapshot(page);
    const r = after.recovery!;
    process.stderr.write(`[drain] ${JSON.stringify(r)}\n`);
    expect(after.lost).toBeNull();
    expect(r.toNode).not.toBe(host);
    expect(r.ticksLost).toBe(0);
    expect(r.scoreLost).toBe(0);
    expect(r.epoch).toBe(epochBefore + 1); // one restore, whatever the room's history
    expect(await page.getByTestId('recovered-banner').textContent()).toContain('nothing lost');
    expect(await page.getByTestId('loss-panel').count()).toBe(0);
    await page.screenshot({ path: `${ARTIFACTS}/handed-over.png` });
    await moveWith(page, 'ArrowLeft', 40);
  });
});
