import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runExperiment } from '../../../bench/experiment/experiment';
import { METRICS, type ExperimentReport } from '../../../bench/experiment/report';
import { SCENARIOS } from '../../../bench/experiment/scenarios';
import { steer } from '../../../server/bots/steer';

const out = mkdtempSync(join(tmpdir(), 'statecraft-experiment-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

/** One short run of `scenario` on 2 game nodes (checkpointed unless `extra` says otherwise). */
function shortRun(scenario: string, seed: number, extra: Partial<Parameters<typeof runExperiment>[1]> = {}) {
  return runExperiment(SCENARIOS[scenario]!, {
    runs: 1, modes: ['checkpointed'], seed, bots: 6, gameNodes: 2,
    warmupMs: 1000, recoveryTimeoutMs: 8000, afterMs: 300, matchSeconds: 3, resultsSeconds: 1,
    outDir: out, command: `vitest: experiment.test.ts (${scenario})`, ...extra,
  });
}

describe('the bots\' steering', () => {
  it('chases the orb worth most per pixel, and stands still with nothing to chase', () => {
    expect(steer({ x: 100, y: 100 }, [{ x: 200, y: 100, golden: false }, { x: 100, y: 300, golden: false }])).toEqual({ dx: 1, dy: 0 });
    // A golden orb (5 points) three times as far still wins over a plain one.
    expect(steer({ x: 100, y: 100 }, [{ x: 150, y: 100, golden: false }, { x: 100, y: 250, golden: true }])).toEqual({ dx: 0, dy: 1 });
    expect(steer({ x: 100, y: 100 }, [])).toEqual({ dx: 0, dy: 0 });
  });
});

describe('a short kill-host experiment', () => {
  it('measures detection, recovery, play and API loss in both modes, and loses or double-counts no result', async () => {
    const { report, dir } = await shortRun('kill-host', 7, { modes: ['stateful', 'checkpointed'], bots: 8 });
    expect(existsSync(join(dir, 'report.html'))).toBe(true);
    const html = readFileSync(join(dir, 'report.html'), 'utf8');
    expect(html).toContain('<svg');
    expect(html).not.toMatch(/<script|<link|src="http/); // self-contained
    const json = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as ExperimentReport;
    expect(json.runs).toHaveLength(2);
    expect(json.aggregates.map((a) => a.mode)).toEqual(['stateful', 'checkpointed']);
    for (const a of json.aggregates) expect(Object.keys(a.metrics).sort()).toEqual(METRICS.map((m) => m.key).sort());

    for (const run of report.runs) {
      expect(run.bots.joined, `${run.mode}: every bot joined`).toBe(8);
      expect(run.bots.affected).toBeGreaterThan(0);
      expect(run.detection.clientMs.n).toBe(run.bots.affected);
      expect(run.detection.clientMs.p95).toBeGreaterThanOrEqual(0);
      expect(run.detection.clusterMs).not.toBeNull();
      expect(run.recovery.allBackMs, `${run.mode}: everyone back in play`).not.toBeNull();
      expect(run.recovery.backInPlayMs.n).toBe(run.bots.affected);
      expect(run.playLost.gapMs.n).toBe(run.bots.affected);
      expect(Number.isFinite(run.playLost.ticksTotal)).toBe(true);
      expect(Number.isFinite(run.playLost.pointsTotal)).toBe(true);
      expect(run.api.duringFault.requests).toBeGreaterThan(0);
      expect(run.api.duringFault.successRate).toBeGreaterThanOrEqual(0);
      expect(run.api.duringFault.latencyMs.p99).toBeGreaterThan(0);
      expect(run.timeline.occupancy.length).toBeGreaterThan(10);
      expect(run.leaderboard.players).toBe(8);
      expect(run.leaderboard.matchesSeen).toBeGreaterThan(0);
      expect(run.leaderboard.unreadable).toBe(0);
      expect(run.leaderboard.lost, `${run.mode}: results lost`).toBe(0);
      expect(run.leaderboard.doubleCounted, `${run.mode}: results double-counted`).toBe(0);
    }
    const stateful = report.runs.find((r) => r.mode === 'stateful')!;
    expect(stateful.recovery.sessionsLost).toBe(stateful.bots.affected);
    // The hybrid model's whole point: every affected session followed its room.
    const checkpointed = report.runs.find((r) => r.mode === 'checkpointed')!;
    expect(checkpointed.recovery.sessionsLost).toBe(0);
    expect(checkpointed.recovery.rejoined).toBe(checkpointed.bots.affected);
  }, 60_000);
});

describe('a short redis-restart experiment with an outage length', () => {
  it('reports process exits, sessions and results lost, checkpoint resumption and the API error rate around the outage', async () => {
    const { report } = await shortRun('redis-restart', 11, { outageMs: 3000 });
    const run = report.runs[0]!;
    expect(run.fault).toMatchObject({ target: 'redis', kind: 'redis', outageMs: 3000 });
    expect(run.store!.backMs).toBeGreaterThanOrEqual(3000);
    expect(run.processes).toEqual({ exits: [], unhandledRejections: 0 });
    expect(run.recovery.sessionsLost).toBe(0);
    // The room paused through the outage and saved again within 1 s of the store's return.
    expect(run.store!.checkpointsResumedMs).not.toBeNull();
    expect(run.store!.checkpointsResumedMs!).toBeLessThan(1000);
    // The API refused while the store was gone, and is back once it returns.
    expect(run.api.duringFault.successRate).toBeLessThan(0.5);
    expect(run.store!.apiBackMs!).toBeLessThan(2000);
    expect(run.api.afterFault.requests).toBeGreaterThan(0);
    expect(run.api.afterFault.successRate).toBeGreaterThan(0.8);
    expect(run.leaderboard.lost).toBe(0);
    expect(run.leaderboard.doubleCounted).toBe(0);
  }, 90_000);
});

describe('a short partition-host experiment', () => {
  it('fences: the cut-off host\'s checkpointed players are back in play on a live copy, no two copies overlap, no stale results', async () => {
    const { report } = await shortRun('partition-host', 13);
    const run = report.runs[0]!;
    expect(run.fault).toMatchObject({ kind: 'node', healedAt: expect.any(Number) });
    expect(run.fencing).toBe(true);
    expect(run.recovery.allBackMs, 'everyone back in play').not.toBeNull();
    expect(run.recovery.sessionsLost).toBe(0);
    expect(run.history.copies).toBeGreaterThanOrEqual(2); // the cut-off copy and the restored one
    expect(run.history.copiesPaused).toBeGreaterThan(0);
    expect(run.history.overlapMs).toBe(0);
    expect(run.history.staleResults).toBe(0);
    expect(run.processes).toEqual({ exits: [], unhandledRejections: 0 });
    expect(run.leaderboard.lost).toBe(0);
    expect(run.leaderboard.doubleCounted).toBe(0);
  }, 90_000);
});

describe('a short store-failover experiment', () => {
  it('SIGKILLs the replicated store\'s primary: writes accepted again, checkpoints and results compared across the promotion, nothing exits', async () => {
    const { report } = await shortRun('store-failover', 17);
    const run = report.runs[0]!;
    expect(run.fault).toMatchObject({ target: 'redis-primary', kind: 'redis' });
    const f = run.failover!;
    expect(f.promotedMs).toBeGreaterThan(900); // Sentinel's down-after-milliseconds is 1 s
    expect(f.writesBackMs!).toBeGreaterThanOrEqual(f.promotedMs! - 100);
    expect(f.writesBackMs!).toBeLessThan(10_000);
    expect(f.checkpoints!.rooms).toBeGreaterThan(0);
    expect(f.checkpoints!.roomsMissing).toBe(0);
    // The WAIT writer's acknowledgements are held by the replica it waited for: none can be lost.
    expect(f.results.on.acknowledged).toBeGreaterThan(0);
    expect(f.results.on.lost).toBe(0);
    expect(f.results.off.acknowledged).toBeGreaterThan(0);
    expect(f.waitCost.latencyMs.on.n).toBe(300);
    expect(f.waitCost.opsPerSec.on).toBeGreaterThan(0);
    expect(run.store!.checkpointsResumedMs).not.toBeNull();
    expect(run.recovery.sessionsLost).toBe(0);
    expect(run.processes).toEqual({ exits: [], unhandledRejections: 0 });
    expect(run.leaderboard.lost).toBe(0);
    expect(run.leaderboard.doubleCounted).toBe(0);
  }, 60_000);
});
