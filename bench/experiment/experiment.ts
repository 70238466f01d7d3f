import { join } from 'node:path';
import type { RoomMode } from '../../shared/protocol';
import { aggregate, machine, writeReport, type ExperimentReport } from './report';
import { runOnce, type RunOptions, type RunResult } from './run';
import type { Scenario } from './scenarios';

export interface ExperimentOptions extends Omit<RunOptions, 'onProgress'> {
  runs: number;
  modes: RoomMode[];
  /** Fencing settings to run each mode under (default [true]); both side by side with [true, false]. */
  fencings?: boolean[];
  /** Folder the report folder goes in. */
  outDir: string;
  command: string;
  onProgress?: (line: string, fraction: number) => void;
}

/** Runs a scenario `runs` times per mode, each run on a fresh private cluster, and writes the report. */
export async function runExperiment(scenario: Scenario, options: ExperimentOptions): Promise<{ report: ExperimentReport; dir: string }> {
  const startedAt = new Date();
  const results: RunResult[] = [];
  const { runs, modes, outDir, command, onProgress, fencings = [true], ...runOptions } = options;
  const total = runs * modes.length * fencings.length;
  let done = 0;
  for (const fencing of fencings) {
    for (const mode of modes) {
      for (let run = 1; run <= runs; run++) {
        const label = `${scenario.name} ${mode}${fencing ? '' : ' fencing off'} run ${run}/${runs}`;
        const result = await runOnce(scenario, mode, run, {
          ...runOptions, fencing,
          onProgress: (phase, f) => onProgress?.(`${label}: ${phase}`, (done + f) / total),
        });
        results.push(result);
        done++;
        onProgress?.(`${label}: done`, done / total);
      }
    }
  }
  const report: ExperimentReport = {
    scenario: scenario.name,
    summary: scenario.summary,
    command,
    startedAt: startedAt.toISOString(),
    seed: runOptions.seed,
    options: { ...runOptions },
    machine: machine(),
    aggregates: fencings.flatMap((f) => modes.map((m) => aggregate(results, m, f))),
    runs: results,
  };
  const stamp = startedAt.toISOString().replace(/[:.]/g, '-').replace('Z', '');
  const dir = join(outDir, `${scenario.name}-${stamp}`);
  writeReport(dir, report);
  return { report, dir };
}
