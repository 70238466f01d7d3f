#!/usr/bin/env node
// `npm test`: prerequisites, type check, lint, then unit → integration → browser tests.
// Says plainly what is missing instead of failing obscurely. Under CI=true nothing is skipped.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const INSTALL = 'sudo apt-get install -y redis-server chromium';

function has(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

const missing = [];
if (!has('redis-server')) missing.push('redis-server (integration tests start their own private Redis)');
if (!existsSync(CHROMIUM)) missing.push(`Chromium at ${CHROMIUM} (browser tests; set CHROMIUM_PATH to use another)`);
if (missing.length > 0) {
  console.error(`npm test needs:\n${missing.map((m) => `  - ${m}`).join('\n')}\nInstall them with:\n  ${INSTALL}`);
  process.exit(2);
}

function step(title, cmd, args) {
  console.log(`\n▶ ${title}`);
  const r = spawnSync(cmd, args, { stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`\n✖ ${title} failed`);
    process.exit(r.status ?? 1);
  }
}

step('Type check', 'npm', ['run', '--silent', 'typecheck']);
step('Lint', 'npm', ['run', '--silent', 'lint']);

mkdirSync('artifacts', { recursive: true });
const report = 'artifacts/vitest.json';
console.log('\n▶ Tests: unit, integration, browser');
const r = spawnSync('npx', ['vitest', 'run', '--config', 'tests/vitest.config.ts', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`], { stdio: 'inherit' });
let summary = null;
try {
  summary = JSON.parse(readFileSync(report, 'utf8'));
} catch {
  // no report: vitest itself failed to start; its output says why
}
if (summary) {
  const skipped = summary.numPendingTests + summary.numTodoTests;
  console.log(`\n${summary.numPassedTests} passed, ${summary.numFailedTests} failed, ${skipped} skipped`);
  if (process.env.CI === 'true' && skipped > 0) {
    console.error('CI=true: no test may be skipped.');
    process.exit(1);
  }
  if (summary.numTotalTests === 0) {
    console.error('No tests ran.');
    process.exit(1);
  }
}
process.exit(r.status ?? 1);
