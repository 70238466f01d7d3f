import { describe, expect, it } from 'vitest';
import type { ClusterStatus } from '../../shared/api';
import { HEARTBEAT } from '../../shared/protocol';
import { ARTIFACTS, browserStack, joinAs, snapshot, type StatecraftWindow as Win } from '../support/browser';
import type { LocalStack } from '../support/stack';

/** Each test gets its own cluster, page and room: no test depends on another's dead or frozen node. */
const STACK = { gameNodes: 3, apis: 2, web: true, control: true, env: { MATCH_SECONDS: '120' } } as const;

/** Reads the cluster straight from an API instance until `predicate` holds; returns how long that took. */
async function apiSees(stack: LocalStack, predicate: (c: ClusterStatus) => boolean, timeoutMs: number): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; ; i++) {
    const res = await fetch(`${stack.apiUrls[i % stack.apiUrls.length]!}/v1/cluster`).catch(() => null);
    if (res?.ok && predicate((await res.json()) as ClusterStatus)) return performance.now() - t0;
    if (performance.now() - t0 > timeoutMs) throw new Error(`the API did not see the change within ${timeoutMs} ms`);
  }
}

describe('kill my host from the page, and the loss the player sees', () => {
  const { stack, openPlayer } = browserStack({ ...STACK, env: { ...STACK.env } });

  it('kill my host: the loss panel says who died, how, how fast, what was lost and what survived; a new seat is on a live node', async () => {
    // Both pages load first: a page loading stalls every process on a 2-core machine, Ann's host too.
    const ann = await openPlayer();
    const bob = await openPlayer();
    const first = await joinAs(ann, 'Ann');
    const firstHost = first.nodeId!;
    expect(first.mode).toBe('stateful'); // the lobby's default: a killed host ends the session (no recovery)
    const second = await joinAs(bob, 'Bob');
    // With three nodes the matchmaker normally seats Bob with Ann; if it does, Bob is among what Ann loses.
    const together = second.roomId === first.roomId;
    if (together) await ann.waitForFunction(() => (globalThis as unknown as Win).__statecraft.players.includes('Bob'), null, { timeout: 10_000 });
    const annAtKill = await snapshot(ann);
    expect(annAtKill.phase).toBe('playing');
    expect(annAtKill.lost).toBeNull();

    // The map knows all three nodes and highlights Ann's.
    await ann.waitForFunction(() => {
      const nodes = (globalThis as unknown as Win).__statecraft.clusterNodes;
      return nodes.length === 3 && nodes.every((n) => n.state === 'alive');
    }, null, { timeout: 10_000 });
    await expect.poll(() => ann.getByTestId(`cluster-${firstHost}`).getAttribute('class')).toContain('mine');

    const killedAt = performance.now();
    await ann.getByTestId('kill-my-host').click();
    await ann.waitForFunction(() => (globalThis as unknown as Win).__statecraft.lost !== null, null, { timeout: 5_000 });
    const lost = await snapshot(ann);
    expect(lost.phase).toBe('lost');
    expect(lost.lost?.reason).toBe('killed');
    expect(lost.lost?.detectedMs).toBeTypeOf('number');
    // A SIGKILLed process's sockets are reset by the kernel: the page hears it almost at once.
    expect(lost.lost!.detectedMs!).toBeGreaterThan(0);
    expect(lost.lost!.detectedMs!).toBeLessThan(1500);
    const panel = ann.getByTestId('loss-panel');
    expect(await panel.getByTestId('loss-node-id').textContent()).toBe(firstHost);
    expect(await panel.getByTestId('loss-detected-ms').textContent()).toMatch(/^\d+ ms$/);
    expect(await panel.getByTestId('loss-how').textContent()).toContain('killed');
    if (together) expect(await panel.getByTestId('loss-others').textContent()).toContain('Bob');

    // The map marks the node dead within ~2 s of the press, and so does the API's own registry view.
    await ann.waitForFunction((id) => (globalThis as unknown as Win).__statecraft.clusterNodes.some((n) => n.id === id && n.state === 'dead'),
      firstHost, { timeout: 2_500 });
    expect(performance.now() - killedAt).toBeLessThan(2_500);
    await apiSees(stack, (c) => c.nodes.some((n) => n.id === firstHost && n.state === 'dead'), 2_500);

    // What survived comes from the stateless API, and API requests kept succeeding after the kill.
    await expect.poll(() => panel.getByTestId('loss-standings').textContent(), { timeout: 5_000 }).not.toBe('asking the API…');
    await expect.poll(async () => Number(await panel.getByTestId('loss-api-ok').textContent()), { timeout: 5_000 }).toBeGreaterThan(0);
    await ann.screenshot({ path: `${ARTIFACTS}/loss.png` });

    await panel.getByTestId('find-new-match').click();
    await ann.waitForFunction((dead) => {
      const s = (globalThis as unknown as Win).__statecraft;
      return s.phase === 'playing' && s.connected && s.nodeId !== null && s.nodeId !== dead && s.reseatMs !== null;
    }, firstHost, { timeout: 15_000 });
    const again = await snapshot(ann);
    expect(again.playerId).toBe(first.playerId);
    await expect.poll(() => ann.getByTestId('hud-node-id').textContent()).toBe(again.nodeId);
    expect(again.nodeId).not.toBe(firstHost);
    expect(again.clusterNodes.find((n) => n.id === again.nodeId)?.state).toBe('alive');
    expect(await ann.getByTestId('hud-reseat-ms').textContent()).toMatch(/^\d+ ms$/);
    await ann.screenshot({ path: `${ARTIFACTS}/reseated.png` });
  });

});

describe('freeze my host from the page', () => {
  const { openPlayer } = browserStack({ ...STACK, env: { ...STACK.env } });

  it('freeze my host: no heartbeat for 1 s ends the session, the map says frozen, thaw brings the node back', async () => {
    const ann = await openPlayer();
    const host = (await joinAs(ann, 'Ann')).nodeId!;
    await ann.getByTestId('freeze-my-host').click();
    await ann.waitForFunction(() => (globalThis as unknown as Win).__statecraft.lost !== null, null, { timeout: 5_000 });
    const lost = await snapshot(ann);
    expect(lost.lost?.reason).toBe('frozen');
    // 1 s of silence, checked every 100 ms; the last message may have arrived a little before the press.
    expect(lost.lost!.detectedMs!).toBeGreaterThan(HEARTBEAT.silenceMs - 300);
    expect(lost.lost!.detectedMs!).toBeLessThan(HEARTBEAT.silenceMs + 500);
    expect(await ann.getByTestId('loss-how').textContent()).toBe(`froze (no heartbeat for ${HEARTBEAT.silenceMs / 1000} s)`);
    expect(await ann.getByTestId('loss-node-id').textContent()).toBe(host);
    await ann.waitForFunction((id) => (globalThis as unknown as Win).__statecraft.clusterNodes.some((n) => n.id === id && n.state === 'frozen'),
      host, { timeout: 2_500 });
    await ann.screenshot({ path: `${ARTIFACTS}/loss-frozen.png` });

    await ann.getByTestId(`fault-thaw-${host}`).click();
    await ann.waitForFunction((id) => (globalThis as unknown as Win).__statecraft.clusterNodes.some((n) => n.id === id && n.state === 'alive'),
      host, { timeout: 5_000 });
  });
});
