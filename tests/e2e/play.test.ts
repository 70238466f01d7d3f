import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalStack } from '../support/stack';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const ARTIFACTS = 'artifacts/e2e';

/** What the page publishes at `window.__statecraft` (see client/src/testHook.ts). */
interface Snapshot {
  phase: string;
  roomId: string | null;
  nodeId: string | null;
  playerId: string | null;
  x: number;
  y: number;
  score: number;
  connected: boolean;
  players: string[];
}

// The page code runs in the browser; `globalThis` is its window (the test tsconfig has no DOM lib).
const snapshot = (page: Page): Promise<Snapshot> => page.evaluate(() => (globalThis as unknown as { __statecraft: Snapshot }).__statecraft);

describe('playing in the browser', () => {
  const stack = new LocalStack();
  const contexts: BrowserContext[] = [];
  const profiles: string[] = [];

  // Cleanup first: whatever starts below is stopped even if a later step throws.
  afterAll(async () => {
    await Promise.allSettled(contexts.map((c) => c.close()));
    for (const dir of profiles) rmSync(dir, { recursive: true, force: true });
    await stack.stop();
  });

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    await stack.start({ gameNodes: 1, apis: 2, web: true });
  });

  /** A fresh browser profile per player: separate sessionStorage, so separate guest sessions. */
  async function openPlayer(): Promise<Page> {
    const dir = mkdtempSync(join(tmpdir(), 'statecraft-chromium-'));
    profiles.push(dir);
    const context = await chromium.launchPersistentContext(dir, {
      executablePath: CHROMIUM, headless: true, args: ARGS, viewport: { width: 1440, height: 900 },
    });
    contexts.push(context);
    const page = context.pages()[0] ?? await context.newPage();
    page.on('pageerror', (err) => process.stderr.write(`[page] ${err.message}\n`));
    await page.goto(stack.webUrl);
    return page;
  }

  async function joinAs(page: Page, name: string): Promise<Snapshot> {
    await page.getByTestId('name-input').fill(name);
    await page.getByTestId('play-button').click();
    await page.waitForFunction(() => {
      const s = (globalThis as unknown as { __statecraft: Snapshot }).__statecraft;
      return s.connected && s.roomId !== null && s.nodeId !== null;
    }, null, { timeout: 20_000 });
    await expect.poll(() => page.getByTestId('hud-node-id').textContent()).toMatch(/^node-\d+$/);
    return snapshot(page);
  }

  it('logs in, joins a match, moves, and sees the other player', async () => {
    const alice = await openPlayer();
    const first = await joinAs(alice, 'Alice');
    expect(first.phase).toBe('playing');
    expect(await alice.getByTestId('hud-room-id').textContent()).toBe(first.roomId);
    expect(await alice.getByTestId('hud-node-id').textContent()).toBe(first.nodeId);
    // The API instance that answered is on show.
    expect(await alice.getByTestId('hud-api-instance').textContent()).toMatch(/^api-\d+$/);

    // Hold a direction away from the nearer wall until the server-reconciled position has moved.
    const key = first.x < 640 ? 'KeyD' : 'KeyA';
    await alice.keyboard.down(key);
    await alice.waitForFunction((x0) => Math.abs((globalThis as unknown as { __statecraft: Snapshot }).__statecraft.x - x0) > 40, first.x, { timeout: 10_000 });
    await alice.keyboard.up(key);
    const moved = await snapshot(alice);
    expect(moved.y).toBeCloseTo(first.y, 0);

    const bob = await openPlayer();
    const second = await joinAs(bob, 'Bob');
    expect(second.roomId).toBe(first.roomId);
    expect(second.playerId).not.toBe(first.playerId);

    const seesBoth = (page: Page) => page.waitForFunction(() => {
      const names = (globalThis as unknown as { __statecraft: Snapshot }).__statecraft.players;
      return names.includes('Alice') && names.includes('Bob');
    }, null, { timeout: 10_000 });
    await Promise.all([seesBoth(alice), seesBoth(bob)]);

    await alice.screenshot({ path: `${ARTIFACTS}/play-alice.png` });
    await bob.screenshot({ path: `${ARTIFACTS}/play-bob.png` });
  });
});
