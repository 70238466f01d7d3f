import { join } from 'node:path';
import type { RoomMode } from '../../shared/protocol';
import { aggregate, machine, writeReport, type ExperimentReport } from './report';
import { runOnce, type RunOptions, type RunResult } from './run';
import type { Scenario } from './scenarios';

export interface ExperimentOptions extends Omit<RunOptions, 'onProgress'> {
  runs: number;
  modes: RoomMode[];
  /** Folder the report folder goes in. */
  outDir: string;
  command: string;
  onProgress?: (line: string, fraction: number) => void;
}

/** Runs a scenario `runs` times per mode, each run on a fresh private cluster, and writes the report. */
export async function runExperiment(scenario: Scenario, options: ExperimentOptions): Promise<{ report: ExperimentReport; dir: string }> {
  const startedAt = new Date();
  const results: RunResult[] = [];
  const total = options.runs * options.modes.length;
  let done = 0;
  const { runs, modes, outDir, command, onProgress, ...runOptions } = options;
  for (const mode of modes) {
    for (let run = 1; run <= runs; run++) {
      const label = `${scenario.name} ${mode} run ${run}/${runs}`;
      const result = await runOnce(scenario, mode, run, {
        ...runOptions,
        onProgress: (phase, f) => onProgress?.(`${label}: ${phase}`, (done + f) / total),
      });
      results.push(result);
      done++;
      onProgress?.(`${label}: done`, done / total);
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
    aggregates: modes.map((m) => aggregate(results, m)),
    runs: results,
  };
  const stamp = startedAt.toISOString().replace(/[:.]/g, '-').replace('Z', '');
  const dir = join(outDir, `${scenario.name}-${stamp}`);
  writeReport(dir, report);
  return { report, dir };
}
