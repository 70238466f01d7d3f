import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RoomMode } from '../../shared/protocol';
import { sleep } from '../../server/bots/bot';
import { fmt } from '../../shared/stats';
import { LoadedGameNode, type GameNodeRun } from './bench';

// Players per core: the node is pinned to one core, so the players a step holds are its players per core.

export const CURVE_STEPS = [250, 500, 1000, 2000, 4000];
/** One tick at 20 Hz: lateness beyond it means steps are being skipped or bunched. */
export const TICK_MS = 50;
/** The load core, nearly full: the generators, not the server, would set the pace from here on. */
const GENERATOR_SATURATED = 0.9;

export interface CurveStep extends GameNodeRun {
  /** The generators used most of their core: this step (and any beyond it) measures them, not the server. */
  generatorSaturated: boolean;
}

export interface CapacityCurve {
  mode: RoomMode;
  perRoom: number;
  windowMs: number;
  steps: CurveStep[];
  /** Players per server core where lateness p99 first passed one tick (interpolated); null if it never did. */
  knee: { playersPerCore: number; between: [number, number] } | null;
  /** Why the curve stopped before its last step, if it did. */
  stoppedBecause: string | null;
  /** Highest players per core measured with lateness p99 ≤ 10 ms. */
  bestAt10ms: number | null;
}

/**
 * The capacity curve: one game node per step with that many players (light
 * clients, light-client.ts, in processes of at most 1000 on the load core), a
 * window measured at each step, until the last step, the knee (lateness p99
 * past one tick: more players only measure a saturated node) or the
 * generators saturating their core.
 */
export async function capacityCurve(options: { mode: RoomMode; perRoom: number; steps: number[]; warmupMs: number; windowMs: number; log: (line: string) => void }): Promise<CapacityCurve> {
  const steps: CurveStep[] = [];
  let stoppedBecause: string | null = null;
  // A fresh node per step, seated all at once as the game-node benchmark does: adding players to a
  // running node measured the join storm (500 joining next to 500 playing stalled the node's loop).
  for (const target of options.steps) {
    const node = new LoadedGameNode(options.mode, options.perRoom, options.log, true);
    let run: GameNodeRun;
    try {
      await node.start();
      await node.addPlayers(target);
      await sleep(options.warmupMs);
      run = await node.measure(options.windowMs);
    } finally {
      await node.stop();
    }
    {
      const generatorSaturated = run.generatorCores >= GENERATOR_SATURATED;
      steps.push({ ...run, generatorSaturated });
      options.log(`curve: ${run.joined} players, server ${fmt(run.cores, 2)} cores, lateness p99 ${fmt(run.tickLatenessMs.p99, 1)} ms, generators ${fmt(run.generatorCores, 2)} cores`);
      if (generatorSaturated) {
        stoppedBecause = `the load generators used ${fmt(run.generatorCores, 2)} of their core at ${run.joined} players`;
        break;
      }
      if (run.joined < target * 0.95) {
        stoppedBecause = `only ${run.joined} of ${target} players were in play`;
        break;
      }
      if (run.tickLatenessMs.p99 > TICK_MS) {
        stoppedBecause = `lateness p99 passed one tick at ${run.joined} players (the knee)`;
        break;
      }
    }
  }
  return { mode: options.mode, perRoom: options.perRoom, windowMs: options.windowMs, steps, knee: knee(steps), stoppedBecause, bestAt10ms: bestAt(steps, 10) };
}

function knee(steps: CurveStep[]): CapacityCurve['knee'] {
  const i = steps.findIndex((s) => s.tickLatenessMs.p99 > TICK_MS);
  if (i < 0) return null;
  const after = steps[i]!;
  const before = steps[i - 1];
  if (!before) return { playersPerCore: after.joined, between: [0, after.joined] };
  // Linear between the last step under one tick and the first over it.
  const f = (TICK_MS - before.tickLatenessMs.p99) / (after.tickLatenessMs.p99 - before.tickLatenessMs.p99);
  return { playersPerCore: Math.round(before.joined + f * (after.joined - before.joined)), between: [before.joined, after.joined] };
}

function bestAt(steps: CurveStep[], ms: number): number | null {
  const ok = steps.filter((s) => s.tickLatenessMs.p99 <= ms && !s.generatorSaturated);
  return ok.length ? Math.max(...ok.map((s) => s.joined)) : null;
}

export function curveTable(c: CapacityCurve): string[] {
  return [
    '| players | rooms | server CPU (cores) | tick p50 / p99 (ms) | lateness p50 / p99 (ms) | KB/s out (all) | RSS (MB) | generators (cores, processes) | false deaths |',
    '|---|---|---|---|---|---|---|---|---|',
    ...c.steps.map((s) => `| ${s.joined} | ${s.rooms} | ${fmt(s.cores, 3)} | ${fmt(s.tickDurationMs.p50, 3)} / ${fmt(s.tickDurationMs.p99, 3)} | ${fmt(s.tickLatenessMs.p50, 2)} / ${fmt(s.tickLatenessMs.p99, 2)} | ${fmt(s.bytesPerSec / 1024)} | ${fmt(s.rssMb)} | ${fmt(s.generatorCores, 2)}, ${s.generatorProcesses}${s.generatorSaturated ? ' **saturated**' : ''} | ${s.falseDeaths} |`),
  ];
}

export function kneeSentence(c: CapacityCurve): string {
  const top = c.steps[c.steps.length - 1];
  const knee = c.knee
    ? `The knee: lateness p99 passes one tick (${TICK_MS} ms) at about **${c.knee.playersPerCore} players per core** (between ${c.knee.between[0]} and ${c.knee.between[1]}).`
    : `No knee within the curve: lateness p99 stayed under one tick (${TICK_MS} ms) up to ${top?.joined ?? 0} players on one core${c.stoppedBecause ? `, where it stopped because ${c.stoppedBecause}` : ''}.`;
  return `${knee} Most players per core at lateness p99 ≤ 10 ms: ${c.bestAt10ms ?? 'none'}${c.bestAt10ms !== null && c.bestAt10ms >= 2000 ? ' (target ≥ 2,000: pass)' : ' (target ≥ 2,000: **miss**)'}.`;
}

/** A self-contained HTML page with the curve drawn in SVG (no scripts, no external files). */
export function writeCurveReport(dir: string, c: CapacityCurve, machineLine: string): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'curve.html');
  writeFileSync(file, html(c, machineLine));
  writeFileSync(join(dir, 'curve.json'), JSON.stringify(c, null, 2));
  return file;
}

const W = 560;
const H = 260;
const PAD = { l: 52, r: 16, t: 22, b: 34 };

function chart(c: CapacityCurve, label: string, series: { name: string; color: string; get: (s: CurveStep) => number }[], yLine?: { v: number; text: string }): string {
  const xs = c.steps.map((s) => s.joined);
  const xMax = Math.max(1, ...xs) * 1.05;
  const yMax = Math.max(yLine ? yLine.v * 1.2 : 0, ...c.steps.flatMap((s) => series.map((k) => k.get(s)).filter(Number.isFinite))) * 1.1 || 1;
  const x = (v: number) => PAD.l + (v / xMax) * (W - PAD.l - PAD.r);
  const y = (v: number) => H - PAD.b - (v / yMax) * (H - PAD.t - PAD.b);
  let svg = `<line x1="${PAD.l}" y1="${H - PAD.b}" x2="${W - PAD.r}" y2="${H - PAD.b}" stroke="#556"/><line x1="${PAD.l}" y1="${PAD.t}" x2="${PAD.l}" y2="${H - PAD.b}" stroke="#556"/>`;
  for (const v of xs) svg += `<text x="${x(v)}" y="${H - 14}" fill="#9aa3b2" font-size="10" text-anchor="middle">${v}</text>`;
  svg += `<text x="${W - PAD.r}" y="${H - 2}" fill="#9aa3b2" font-size="10" text-anchor="end">players on one core</text>`;
  for (const f of [0, 0.5, 1]) svg += `<text x="${PAD.l - 4}" y="${y(yMax * f) + 3}" fill="#9aa3b2" font-size="10" text-anchor="end">${+(yMax * f).toFixed(yMax < 10 ? 2 : 0)}</text>`;
  svg += `<text x="${PAD.l + 4}" y="${PAD.t - 8}" fill="#9aa3b2" font-size="11">${esc(label)}</text>`;
  if (yLine) svg += `<line x1="${PAD.l}" y1="${y(yLine.v)}" x2="${W - PAD.r}" y2="${y(yLine.v)}" stroke="#ff5d73" stroke-dasharray="4 3"/><text x="${W - PAD.r - 2}" y="${y(yLine.v) - 4}" fill="#ff5d73" font-size="10" text-anchor="end">${esc(yLine.text)}</text>`;
  if (c.knee) svg += `<line x1="${x(c.knee.playersPerCore)}" y1="${PAD.t}" x2="${x(c.knee.playersPerCore)}" y2="${H - PAD.b}" stroke="#ffd166" stroke-dasharray="2 3"/><text x="${x(c.knee.playersPerCore) + 3}" y="${PAD.t + 10}" fill="#ffd166" font-size="10">knee ${c.knee.playersPerCore}</text>`;
  series.forEach((k, i) => {
    const pts = c.steps.map((s) => `${x(s.joined).toFixed(1)},${y(k.get(s)).toFixed(1)}`).join(' ');
    svg += `<polyline points="${pts}" fill="none" stroke="${k.color}" stroke-width="2"/>`;
    for (const s of c.steps) svg += `<circle cx="${x(s.joined)}" cy="${y(k.get(s))}" r="3" fill="${s.generatorSaturated ? '#ff5d73' : k.color}"><title>${esc(k.name)}: ${fmt(k.get(s), 2)} at ${s.joined}</title></circle>`;
    svg += `<text x="${PAD.l + 8 + i * 150}" y="${PAD.t + 4}" fill="${k.color}" font-size="10">— ${esc(k.name)}</text>`;
  });
  return `<svg width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(label)}">${svg}</svg>`;
}

function html(c: CapacityCurve, machineLine: string): string {
  const rows = curveTable(c).slice(2).map((r) => `<tr>${r.split('|').slice(1, -1).map((cell) => `<td>${esc(cell.trim().replace(/\*\*/g, ''))}</td>`).join('')}</tr>`).join('');
  const head = curveTable(c)[0]!.split('|').slice(1, -1).map((h) => `<th>${esc(h.trim())}</th>`).join('');
  return `<!doctype html><html lang="en"><meta charset="utf-8"><title>Statecraft capacity curve</title>
<style>body{font:14px system-ui,sans-serif;background:#0f1117;color:#e6e9ef;margin:24px}h1{font-size:20px}table{border-collapse:collapse;margin:12px 0}td,th{border:1px solid #2a3040;padding:4px 8px;text-align:right}th{background:#171b24}.charts{display:flex;gap:16px;flex-wrap:wrap}svg{background:#171b24;border-radius:6px}p{max-width:900px;color:#c8cdd8}</style>
<h1>Capacity curve: one game node on one core (${esc(c.mode)}, rooms of ${c.perRoom}, 20 Hz)</h1>
<p>${esc(machineLine)}</p>
<p>${esc(kneeSentence(c).replace(/\*\*/g, ''))}${c.stoppedBecause ? ` Stopped early: ${esc(c.stoppedBecause)}.` : ''}</p>
<div class="charts">
${chart(c, 'tick lateness (ms)', [{ name: 'p99', color: '#ff9f1c', get: (s) => s.tickLatenessMs.p99 }, { name: 'p50', color: '#4cc9f0', get: (s) => s.tickLatenessMs.p50 }], { v: TICK_MS, text: 'one tick (50 ms)' })}
${chart(c, 'CPU (cores)', [{ name: 'server', color: '#80ed99', get: (s) => s.cores }, { name: 'load generators', color: '#b794f4', get: (s) => s.generatorCores }], { v: 1, text: 'one core' })}
${chart(c, 'tick duration p99 (ms, one room step)', [{ name: 'p99', color: '#4cc9f0', get: (s) => s.tickDurationMs.p99 }])}
${chart(c, 'traffic out (KB/s) and RSS (MB)', [{ name: 'KB/s', color: '#ffd166', get: (s) => s.bytesPerSec / 1024 }, { name: 'RSS MB', color: '#f72585', get: (s) => s.rssMb }])}
</div>
<table><tr>${head}</tr>${rows}</table>
<p>Red points: the load generators had saturated their core; what such a step measures is them, not the server.</p>
</html>`;
}

function esc(s: string): string {
  return s.replace(/[&<>"]/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[ch]!);
}
