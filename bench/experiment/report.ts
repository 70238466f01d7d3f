import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import type { RoomMode } from '../../shared/protocol';
import { fmt, percentile } from '../../shared/stats';
import type { RunOptions, RunResult } from './run';

/** One row of the summary: a per-run number, aggregated over runs. */
interface Metric {
  key: string;
  label: string;
  unit: string;
  get: (r: RunResult) => number | null;
  /** Shown in the summary for this scenario only (its measurements are null elsewhere). */
  scenario?: string;
  /** Decimals shown (default: 1 for %, else 0). */
  digits?: number;
}

const FO = 'store-failover';

export const METRICS: Metric[] = [
  { key: 'detectClientP95', label: 'detection, clients (p95 of bots)', unit: 'ms', get: (r) => nan(r.detection.clientMs.p95) },
  { key: 'detectCluster', label: 'detection, cluster view', unit: 'ms', get: (r) => r.detection.clusterMs },
  { key: 'seatP50', label: 'seat back from the API (p50 of bots that followed)', unit: 'ms', get: (r) => nan(r.recovery.seatMs.p50) },
  { key: 'joinedP50', label: 'socket open on the new host (p50 of those)', unit: 'ms', get: (r) => nan(r.recovery.joinedMs.p50) },
  { key: 'backInPlayP50', label: 'back in play (p50 of bots)', unit: 'ms', get: (r) => nan(r.recovery.backInPlayMs.p50) },
  { key: 'backInPlayP95', label: 'back in play (p95 of bots)', unit: 'ms', get: (r) => nan(r.recovery.backInPlayMs.p95) },
  { key: 'allBack', label: 'all bots back in play', unit: 'ms', get: (r) => r.recovery.allBackMs },
  { key: 'affected', label: 'bots on the faulted host', unit: '', get: (r) => r.bots.affected },
  { key: 'rejoined', label: 'sessions rejoined', unit: '', get: (r) => r.recovery.rejoined },
  { key: 'sessionsLost', label: 'sessions lost', unit: '', get: (r) => r.recovery.sessionsLost },
  { key: 'gapP50', label: 'play lost per bot (p50)', unit: 'ms', get: (r) => nan(r.playLost.gapMs.p50) },
  { key: 'ticksLost', label: 'ticks lost (sum over bots)', unit: 'ticks', get: (r) => r.playLost.ticksTotal },
  { key: 'pointsLost', label: 'score lost (sum over bots)', unit: 'points', get: (r) => r.playLost.pointsTotal },
  { key: 'apiSuccess', label: 'API success during fault', unit: '%', get: (r) => r.api.duringFault.successRate * 100 },
  { key: 'apiP99', label: 'API p99 latency during fault', unit: 'ms', get: (r) => nan(r.api.duringFault.latencyMs.p99) },
  { key: 'apiErrDuring', label: 'API error rate during fault', unit: '%', get: (r) => (1 - r.api.duringFault.successRate) * 100 },
  { key: 'apiErrAfter', label: 'API error rate after fault', unit: '%', get: (r) => (r.api.afterFault.requests ? (1 - r.api.afterFault.successRate) * 100 : null) },
  { key: 'storeResume', label: 'store back → checkpoints saved again', unit: 'ms', get: (r) => r.store?.checkpointsResumedMs ?? null },
  { key: 'storeApiBack', label: 'store back → API answering', unit: 'ms', get: (r) => r.store?.apiBackMs ?? null },
  { key: 'foPromoted', label: 'kill → replica promoted', unit: 'ms', get: (r) => r.failover?.promotedMs ?? null, scenario: FO },
  { key: 'foWritesBack', label: 'kill → writes accepted again', unit: 'ms', get: (r) => r.failover?.writesBackMs ?? null, scenario: FO },
  { key: 'foCkptRooms', label: 'checkpointed rooms at the kill', unit: '', get: (r) => r.failover?.checkpoints?.rooms ?? null, scenario: FO },
  { key: 'foSnapshotsLost', label: 'checkpoints lost (snapshots, all rooms)', unit: '', get: (r) => r.failover?.checkpoints?.snapshotsLost ?? null, scenario: FO },
  { key: 'foTicksLost', label: 'checkpoints lost (ticks, all rooms)', unit: 'ticks', get: (r) => r.failover?.checkpoints?.ticksLost ?? null, scenario: FO },
  { key: 'foReplLag', label: 'replication bytes lost at the kill', unit: 'B', get: (r) => r.failover?.replicationLagBytes ?? null, scenario: FO },
  { key: 'foResultsOff', label: 'probe results acknowledged, no WAIT', unit: '', get: (r) => r.failover?.results.off.acknowledged ?? null, scenario: FO },
  { key: 'foLostOff', label: 'probe results lost, no WAIT', unit: '', get: (r) => r.failover?.results.off.lost ?? null, scenario: FO },
  { key: 'foResultsOn', label: 'probe results acknowledged, WAIT 1 200', unit: '', get: (r) => r.failover?.results.on.acknowledged ?? null, scenario: FO },
  { key: 'foLostOn', label: 'probe results lost, WAIT 1 200', unit: '', get: (r) => r.failover?.results.on.lost ?? null, scenario: FO },
  { key: 'foWaitOffP50', label: 'record latency p50, no WAIT', unit: 'ms', get: (r) => nan(r.failover?.waitCost.latencyMs.off.p50 ?? Number.NaN), scenario: FO, digits: 2 },
  { key: 'foWaitOnP50', label: 'record latency p50, WAIT', unit: 'ms', get: (r) => nan(r.failover?.waitCost.latencyMs.on.p50 ?? Number.NaN), scenario: FO, digits: 2 },
  { key: 'foWaitOffOps', label: 'records/s (8 in flight), no WAIT', unit: 'ops/s', get: (r) => r.failover?.waitCost.opsPerSec.off ?? null, scenario: FO },
  { key: 'foWaitOnOps', label: 'records/s (8 in flight), WAIT', unit: 'ops/s', get: (r) => r.failover?.waitCost.opsPerSec.on ?? null, scenario: FO },
  { key: 'processExits', label: 'process exits (besides the target)', unit: '', get: (r) => r.processes.exits.length },
  { key: 'unhandled', label: 'unhandled rejections (all processes)', unit: '', get: (r) => r.processes.unhandledRejections },
  { key: 'lbLost', label: 'leaderboard results lost', unit: 'players', get: (r) => r.leaderboard.lost },
  { key: 'lbDouble', label: 'leaderboard results double-counted', unit: 'players', get: (r) => r.leaderboard.doubleCounted },
  { key: 'overlapMs', label: 'history: two copies accepting inputs at once', unit: 'ms', get: (r) => r.history?.overlapMs ?? null },
  { key: 'staleResults', label: 'history: results recorded by a stale epoch', unit: '', get: (r) => r.history?.staleResults ?? null },
  { key: 'scoreRegressions', label: 'history: score regressions beyond the declared loss', unit: 'bots', get: (r) => r.history?.scoreRegressions ?? null },
  { key: 'copiesPaused', label: 'copies paused by self-fencing', unit: '', get: (r) => r.history?.copiesPaused ?? null },
  { key: 'deathsJudged', label: 'nodes judged dead by a peer', unit: '', get: (r) => r.history?.deathsJudged ?? null },
];

/** Rows that must read 0: shown in red otherwise. */
const MUST_BE_ZERO = new Set(['foLostOn', 'lbLost', 'lbDouble', 'processExits', 'unhandled', 'overlapMs', 'staleResults', 'scoreRegressions']);
/** Must be 0 only where the game nodes fenced themselves: split brain is what FENCING=off shows. */
const ZERO_WITH_FENCING = new Set(['overlapMs', 'staleResults']);

export interface Aggregate {
  mode: RoomMode;
  /** Whether these runs fenced (FENCING=on); false columns show split brain on purpose. */
  fencing: boolean;
  /** Column heading: the mode, and 'fencing off' when so. */
  label: string;
  runs: number;
  metrics: Record<string, { p50: number | null; p95: number | null; max: number | null }>;
  /** Pooled over every bot of every run. */
  pooled: { detectClientP95: number | null; backInPlayP95: number | null };
}

export interface ExperimentReport {
  scenario: string;
  summary: string;
  command: string;
  startedAt: string;
  seed: number;
  options: Omit<RunOptions, 'onProgress'>;
  machine: Machine;
  aggregates: Aggregate[];
  runs: RunResult[];
}

export interface Machine {
  cpu: string;
  cores: number;
  memoryGb: number;
  node: string;
  platform: string;
}

export function machine(): Machine {
  const list = cpus();
  return { cpu: list[0]?.model ?? 'unknown', cores: list.length, memoryGb: Math.round(totalmem() / 2 ** 30 * 10) / 10, node: process.version, platform: `${process.platform} ${process.arch}` };
}

export function aggregate(runs: RunResult[], mode: RoomMode, fencing = true): Aggregate {
  const mine = runs.filter((r) => r.mode === mode && (r.fencing ?? true) === fencing);
  const metrics: Aggregate['metrics'] = {};
  for (const m of METRICS) {
    const values = mine.map(m.get).filter((v): v is number => v !== null && !Number.isNaN(v));
    metrics[m.key] = values.length
      ? { p50: percentile(values, 50), p95: percentile(values, 95), max: Math.max(...values) }
      : { p50: null, p95: null, max: null };
  }
  const pooled = (get: (l: RunResult['losses'][number]) => number | null) => {
    const v = mine.flatMap((r) => r.losses.map(get)).filter((x): x is number => x !== null);
    return v.length ? percentile(v, 95) : null;
  };
  return { mode, fencing, label: fencing ? mode : `${mode}, fencing off`, runs: mine.length, metrics, pooled: { detectClientP95: pooled((l) => l.detectedMs), backInPlayP95: pooled((l) => l.backInPlayMs) } };
}

/** The summary table as text, one column per mode. */
export function summaryTable(report: ExperimentReport): string {
  const head = ['metric', ...report.aggregates.flatMap((a) => [`${a.label} p50`, `${a.label} p95`])];
  const rows = shown(report).map((m) => [
    `${m.label}${m.unit ? ` (${m.unit})` : ''}`,
    ...report.aggregates.flatMap((a) => [fmt(a.metrics[m.key]?.p50, digits(m)), fmt(a.metrics[m.key]?.p95, digits(m))]),
  ]);
  const all = [head, ...rows];
  const widths = head.map((_, i) => Math.max(...all.map((r) => r[i]!.length)));
  return all.map((r, j) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ') + (j === 0 ? `\n${widths.map((w) => '-'.repeat(w)).join('  ')}` : '')).join('\n');
}

/** Writes report.json and report.html into `dir`. */
export function writeReport(dir: string, report: ExperimentReport): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'report.json'), JSON.stringify(report, null, 2));
  writeFileSync(join(dir, 'report.html'), html(report));
}

const COLORS = ['#4cc9f0', '#ff5d73', '#80ed99', '#ffd166', '#c77dff', '#ff9f1c', '#2ec4b6', '#f72585'];

function html(report: ExperimentReport): string {
  const aggRows = shown(report).map((m) => `<tr><td>${esc(m.label)}${m.unit ? ` <small>(${esc(m.unit)})</small>` : ''}</td>${report.aggregates.map((a) => {
    const v = a.metrics[m.key];
    const d = digits(m);
    const bad = MUST_BE_ZERO.has(m.key) && (a.fencing || !ZERO_WITH_FENCING.has(m.key)) && (v?.max ?? 0) > 0;
    return `<td${bad ? ' class="bad"' : ''}>${fmt(v?.p50, d)}</td><td${bad ? ' class="bad"' : ''}>${fmt(v?.p95, d)}</td>`;
  }).join('')}</tr>`).join('\n');
  const runs = report.runs.map((r) => `
    <section>
      <h3>${esc(r.mode)}${r.fencing === false ? ' · fencing off' : ''} · run ${r.run} · ${esc(r.fault.description)}</h3>
      <p>${r.bots.joined}/${r.bots.players} bots in, ${r.bots.affected} on the faulted host; rejoined ${r.recovery.rejoined}, sessions lost ${r.recovery.sessionsLost}${Object.keys(r.recovery.lostCodes).length ? ` (${esc(Object.entries(r.recovery.lostCodes).map(([k, v]) => `${k}: ${v}`).join(', '))})` : ''};
      detection ${fmt(r.detection.clientMs.p50)} / ${fmt(r.detection.clientMs.p95)} ms (client p50/p95), cluster ${fmt(r.detection.clusterMs)} ms;
      back in play ${fmt(r.recovery.backInPlayMs.p50)} / ${fmt(r.recovery.backInPlayMs.p95)} ms;
      API during fault ${fmt(r.api.duringFault.successRate * 100, 1)} % ok, p99 ${fmt(r.api.duringFault.latencyMs.p99, 1)} ms; after ${fmt(r.api.afterFault.successRate * 100, 1)} % ok;
      ${r.failover ? `primary killed: replica promoted after ${fmt(r.failover.promotedMs)} ms, writes accepted again after ${fmt(r.failover.writesBackMs)} ms${r.failover.checkpoints ? `, checkpoints lost ${r.failover.checkpoints.snapshotsLost} (${r.failover.checkpoints.ticksLost} ticks) over ${r.failover.checkpoints.rooms} rooms` : ''}, probe results lost ${r.failover.results.off.lost}/${r.failover.results.off.acknowledged} without WAIT and ${r.failover.results.on.lost}/${r.failover.results.on.acknowledged} with; WAIT costs ${fmt(r.failover.waitCost.latencyMs.on.p50 - r.failover.waitCost.latencyMs.off.p50, 2)} ms per record (p50);` : ''}
      ${r.store ? `store down ${fmt(r.store.backMs)} ms, then checkpoints saved again after ${fmt(r.store.checkpointsResumedMs)} ms and the API answering after ${fmt(r.store.apiBackMs)} ms;` : ''}
      process exits ${r.processes.exits.length ? esc(r.processes.exits.join(', ')) : 0}, unhandled rejections ${r.processes.unhandledRejections};
      leaderboard lost ${r.leaderboard.lost}, double ${r.leaderboard.doubleCounted} (${r.leaderboard.matchesSeen} matches)${r.history ? `;
      history: ${r.history.copies} copies, overlap ${r.history.overlapMs} ms, ${r.history.staleResults} stale of ${r.history.resultsRecorded} results recorded, ${r.history.copiesPaused} pauses, ${r.history.deathsJudged} deaths judged, ${r.history.scoreRegressions} score regressions` : ''}.</p>
      <div class="charts">${occupancyChart(r)}${latencyChart(r)}</div>
    </section>`).join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Statecraft experiment: ${esc(report.scenario)}</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:24px;background:#11141b;color:#e6e6e6;max-width:1200px}
h1,h2,h3{font-weight:600}h3{font-size:15px;margin:18px 0 4px}
table{border-collapse:collapse;margin:8px 0}td,th{padding:3px 10px;border-bottom:1px solid #2a2f3a;text-align:right}
td:first-child,th:first-child{text-align:left}.bad{color:#ff5d73;font-weight:700}
.charts{display:flex;gap:16px;flex-wrap:wrap}svg{background:#171b24;border-radius:6px}
code{background:#1c2130;padding:1px 5px;border-radius:4px}small{color:#9aa3b2}
</style></head><body>
<h1>${esc(report.scenario)}</h1>
<p>${esc(report.summary)}. Started ${esc(report.startedAt)}, seed ${report.seed}.<br>
Command: <code>${esc(report.command)}</code><br>
Machine: ${esc(report.machine.cpu)}, ${report.machine.cores} cores, ${report.machine.memoryGb} GB, Node ${esc(report.machine.node)} (${esc(report.machine.platform)}).<br>
Per run: ${report.options.bots} bots, ${report.options.gameNodes} game nodes, 2 API instances, own Redis; matches of ${report.options.matchSeconds} s.</p>
<h2>Over runs</h2>
<table><tr><th>metric</th>${report.aggregates.map((a) => `<th>${esc(a.label)} p50</th><th>${esc(a.label)} p95</th>`).join('')}</tr>
${aggRows}
<tr><td>detection, clients, pooled p95 of all bots <small>(ms)</small></td>${report.aggregates.map((a) => `<td colspan="2">${fmt(a.pooled.detectClientP95)}</td>`).join('')}</tr>
<tr><td>back in play, pooled p95 of all bots <small>(ms)</small></td>${report.aggregates.map((a) => `<td colspan="2">${fmt(a.pooled.backInPlayP95)}</td>`).join('')}</tr>
</table>
<h2>Runs</h2>
<p><small>Time axis: seconds from the fault (red line). Left: bots in play per game node. Right: API request latency (x = failed request).</small></p>
${runs}
</body></html>`;
}

const W = 560;
const H = 220;
const PAD = { l: 44, r: 10, t: 14, b: 28 };

function axes(xMin: number, xMax: number, yMax: number, yLabel: string, backT?: number): { x: (t: number) => number; y: (v: number) => number; svg: string } {
  const x = (t: number) => PAD.l + ((t - xMin) / Math.max(1, xMax - xMin)) * (W - PAD.l - PAD.r);
  const y = (v: number) => H - PAD.b - (v / Math.max(1e-9, yMax)) * (H - PAD.t - PAD.b);
  let svg = `<line x1="${PAD.l}" y1="${H - PAD.b}" x2="${W - PAD.r}" y2="${H - PAD.b}" stroke="#556"/><line x1="${PAD.l}" y1="${PAD.t}" x2="${PAD.l}" y2="${H - PAD.b}" stroke="#556"/>`;
  const step = niceStep((xMax - xMin) / 1000);
  for (let s = Math.ceil(xMin / 1000 / step) * step; s <= xMax / 1000; s += step) {
    svg += `<text x="${x(s * 1000)}" y="${H - 10}" fill="#9aa3b2" font-size="10" text-anchor="middle">${+s.toFixed(1)}s</text>`;
  }
  for (const f of [0, 0.5, 1]) svg += `<text x="${PAD.l - 4}" y="${y(yMax * f) + 3}" fill="#9aa3b2" font-size="10" text-anchor="end">${+(yMax * f).toFixed(yMax < 10 ? 1 : 0)}</text>`;
  svg += `<text x="${PAD.l + 4}" y="${PAD.t - 2}" fill="#9aa3b2" font-size="10">${esc(yLabel)}</text>`;
  svg += `<line x1="${x(0)}" y1="${PAD.t}" x2="${x(0)}" y2="${H - PAD.b}" stroke="#ff5d73" stroke-dasharray="4 3"/><text x="${x(0) + 3}" y="${PAD.t + 10}" fill="#ff5d73" font-size="10">fault</text>`;
  if (backT !== undefined) {
    svg += `<line x1="${x(backT)}" y1="${PAD.t}" x2="${x(backT)}" y2="${H - PAD.b}" stroke="#80ed99" stroke-dasharray="4 3"/><text x="${x(backT) + 3}" y="${PAD.t + 22}" fill="#80ed99" font-size="10">store back</text>`;
  }
  return { x, y, svg };
}

function occupancyChart(r: RunResult): string {
  const occ = r.timeline.occupancy;
  if (occ.length === 0) return '';
  const xMin = occ[0]!.t;
  const xMax = occ[occ.length - 1]!.t;
  const yMax = Math.max(1, ...occ.map((o) => Object.values(o.byNode).reduce((a, b) => a + b, 0)));
  const a = axes(xMin, xMax, yMax, 'bots in play', r.store?.backMs);
  const lines = r.timeline.nodes.map((node, i) => {
    const pts = occ.map((o) => `${a.x(o.t).toFixed(1)},${a.y(o.byNode[node] ?? 0).toFixed(1)}`).join(' ');
    const color = COLORS[i % COLORS.length]!;
    return `<polyline fill="none" stroke="${color}" stroke-width="1.6" points="${pts}"/><text x="${W - PAD.r - 4}" y="${PAD.t + 12 + i * 12}" fill="${color}" font-size="10" text-anchor="end">${esc(node)}</text>`;
  }).join('');
  return `<svg width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="bots in play per node">${a.svg}${lines}</svg>`;
}

function latencyChart(r: RunResult): string {
  const pts = r.timeline.api;
  const occ = r.timeline.occupancy;
  if (pts.length === 0 || occ.length === 0) return '';
  const xMin = Math.min(occ[0]!.t, pts[0]!.t);
  const xMax = Math.max(occ[occ.length - 1]!.t, pts[pts.length - 1]!.t);
  const yMax = Math.max(5, percentile(pts.map((p) => p.ms), 99) * 1.2);
  const a = axes(xMin, xMax, yMax, 'API latency (ms)', r.store?.backMs);
  const dots = pts.map((p) => {
    const cx = a.x(p.t).toFixed(1);
    const cy = a.y(Math.min(p.ms, yMax)).toFixed(1);
    return p.ok
      ? `<circle cx="${cx}" cy="${cy}" r="1.6" fill="#4cc9f0" fill-opacity="0.7"/>`
      : `<text x="${cx}" y="${cy}" fill="#ff5d73" font-size="10" text-anchor="middle">×</text>`;
  }).join('');
  return `<svg width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="API latency">${a.svg}${dots}</svg>`;
}

function niceStep(rangeSeconds: number): number {
  for (const s of [0.5, 1, 2, 5, 10, 20, 30, 60]) if (rangeSeconds / s <= 10) return s;
  return 120;
}

/** The rows of this report's scenario: the common ones and its own. */
function shown(report: ExperimentReport): Metric[] {
  return METRICS.filter((m) => !m.scenario || m.scenario === report.scenario);
}

function digits(m: Metric): number {
  return m.digits ?? (m.unit === '%' ? 1 : 0);
}

function nan(v: number): number | null {
  return Number.isNaN(v) ? null : v;
}

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
