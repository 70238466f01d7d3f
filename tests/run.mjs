#!/usr/bin/env node
// `npm test`: prerequisites, type check, lint, then unit → integration → browser tests.
// Says plainly what is missing instead of failing obscurely. Under CI=true nothing is skipped.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const INSTALL = 'sudo apt-get update && sudo apt-get install -y redis-server chromium';

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

function firstLine(text) {
  return String(text ?? '').split('\n')[0].slice(0, 300);
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
// Layer by layer, so a broken rule fails in seconds and the browser tests do
// not compete for the CPU with the multi-process integration tests.
const totals = { passed: 0, failed: 0, skipped: 0, total: 0 };
const failures = [];
let status = 0;
for (const project of ['unit', 'integration', 'e2e']) {
  console.log(`\n▶ Tests: ${project}`);
  const report = `artifacts/vitest-${project}.json`;
  rmSync(report, { force: true });
  const r = spawnSync('npx', ['vitest', 'run', '--config', 'tests/vitest.config.ts', '--project', project, '--reporter=default', '--reporter=json', `--outputFile.json=${report}`], { stdio: 'inherit' });
  if (r.status !== 0) status = r.status ?? 1;
  try {
    const summary = JSON.parse(readFileSync(report, 'utf8'));
    totals.passed += summary.numPassedTests;
    totals.failed += summary.numFailedTests;
    totals.skipped += summary.numPendingTests + summary.numTodoTests;
    totals.total += summary.numTotalTests;
    for (const file of summary.testResults ?? []) {
      const where = `[${project}] ${file.name.replace(`${process.cwd()}/`, '')}`;
      const failed = (file.assertionResults ?? []).filter((t) => t.status === 'failed');
      for (const t of failed) failures.push(`  ✖ ${where} › ${t.fullName}\n      ${firstLine(t.failureMessages?.[0])}`);
      // A hook or import that failed fails the file with no failed test in it.
      if (failed.length === 0 && file.status === 'failed') failures.push(`  ✖ ${where}\n      ${firstLine(file.message)}`);
    }
  } catch {
    console.error(`No report from the ${project} tests: vitest could not start (see above).`);
    status ||= 1;
  }
}
// The failures again at the very end, where a truncated log still shows them.
if (failures.length > 0) console.log(`\nFailed:\n${failures.join('\n')}`);
console.log(`\n${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
if (process.env.CI === 'true' && totals.skipped > 0) {
  console.error('CI=true: no test may be skipped.');
  status ||= 1;
}
if (totals.total === 0) {
  console.error('No tests ran.');
  status ||= 1;
}
process.exit(status);
