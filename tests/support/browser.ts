import { mkdirSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';
import type { StatecraftSnapshot } from '../../shared/test-hook';
import { LocalStack, type StackOptions } from './stack';

export type { StatecraftSnapshot };

/** Debian's Chromium, driven by playwright-core. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync',
];
/** Where the browser tests leave their screenshots. */
export const ARTIFACTS = 'artifacts/e2e';

/**
 * The page's `window` as the browser tests see it. Functions passed to `page.evaluate` /
 * `page.waitForFunction` run in the browser, where `globalThis` is that window (the test tsconfig
 * has no DOM lib): `(globalThis as unknown as StatecraftWindow).__statecraft`.
 */
export type StatecraftWindow = { __statecraft: StatecraftSnapshot };

/** A copy of what the page publishes at `window.__statecraft` (client/src/testHook.ts). */
export const snapshot = (page: Page): Promise<StatecraftSnapshot> =>
  page.evaluate(() => (globalThis as unknown as StatecraftWindow).__statecraft);

/**
 * The browser for the players of one test file: each `open` is a fresh context (separate
 * sessionStorage, so a separate guest session); `close` closes them all and the browser. Call
 * `close` from `afterAll` before starting anything, so it always runs.
 */
export class Browsers {
  #browser: Promise<Browser> | null = null;
  readonly #contexts: BrowserContext[] = [];
  readonly #viewport: { width: number; height: number };

  constructor(options: { viewport?: { width: number; height: number } } = {}) {
    this.#viewport = options.viewport ?? { width: 1440, height: 960 };
  }

  /**
   * A new player's page at `url`, in a context of its own (its own storage, so its own guest
   * session) in the one Chromium, which is far cheaper than a browser per player: on a 2-core
   * machine a page loading stalls every process, the game nodes too, for up to a second.
   * Page errors are written to stderr.
   */
  async open(url: string): Promise<Page> {
    this.#browser ??= chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
    const context = await (await this.#browser).newContext({ viewport: this.#viewport });
    this.#contexts.push(context);
    const page = await context.newPage();
    page.on('pageerror', (err) => process.stderr.write(`[page] ${err.message}\n`));
    await page.goto(url);
    return page;
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.#contexts.splice(0).map((c) => c.close()));
    const browser = this.#browser;
    this.#browser = null;
    await browser?.then((b) => b.close(), () => undefined);
  }
}

/**
 * Collects what a page reports as an error: uncaught exceptions and unhandled rejections
 * (`pageerror`) and every console.error. Chromium also logs each HTTP error answer a fetch got
 * ("Failed to load resource: the server responded with a status of 503"); those are the network's
 * record of answers the page handles, and are dropped only for the statuses listed in `expected`.
 */
export function pageErrors(page: Page, expected: { statuses?: number[] } = {}): string[] {
  const errors: string[] = [];
  const allowed = new Set(expected.statuses ?? []);
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    const status = /^Failed to load resource: the server responded with a status of (\d{3})/.exec(msg.text())?.[1];
    if (status && allowed.has(Number(status))) return;
    errors.push(`console.error: ${msg.text()}`);
  });
  return errors;
}

/**
 * For a browser test file, called inside its `describe`: a LocalStack started with `options` (and
 * the artifacts folder made) before the tests, and a page per player on its web client. The cleanup
 * hook is registered first, so browsers and stack are stopped even if a later step throws.
 */
export function browserStack(options: StackOptions, browserOptions?: ConstructorParameters<typeof Browsers>[0]): {
  stack: LocalStack;
  /** A fresh browser profile per player: separate sessionStorage, so separate guest sessions. */
  openPlayer: () => Promise<Page>;
} {
  const stack = new LocalStack();
  const browsers = new Browsers(browserOptions);
  afterAll(async () => {
    await browsers.close();
    await stack.stop();
  });
  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    await stack.start(options);
  });
  return { stack, openPlayer: () => browsers.open(stack.webUrl) };
}

/**
 * From the lobby into a match: enters `name`, picks `mode` if given (otherwise the lobby's
 * default), presses Play, and waits until the page is playing, connected, with a room and a host
 * node, and the HUD shows that node.
 */
export async function joinAs(page: Page, name: string, mode?: NonNullable<StatecraftSnapshot['mode']>): Promise<StatecraftSnapshot> {
  await page.getByTestId('name-input').fill(name);
  if (mode !== undefined) await page.getByTestId(`mode-${mode}`).check({ force: true });
  await page.getByTestId('play-button').click();
  await page.waitForFunction(() => {
    const s = (globalThis as unknown as StatecraftWindow).__statecraft;
    return s.phase === 'playing' && s.connected && s.roomId !== null && s.nodeId !== null;
  }, null, { timeout: 20_000 });
  await expect.poll(() => page.getByTestId('hud-node-id').textContent()).toMatch(/^node-\d+$/);
  return snapshot(page);
}
