import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { benchApi, type ApiBenchResult } from './api/bench';
import { benchGameNode, benchRawWs, type GameNodeRun, type RawRun } from './gamenode/bench';
import { benchFaultPoint, type FaultPointBenchResult } from './faultpoint/bench';
import { benchIngress, type IngressBenchResult } from './ingress/bench';
import { CURVE_STEPS, capacityCurve, curveTable, kneeSentence, writeCurveReport, type CapacityCurve } from './gamenode/curve';
import { benchCheckpoints, type CheckpointCase } from './checkpoint/bench';
import { canPin, pinSelfToLoad, pinningNote, unpinSelf } from './support/pin';
import { byPackage, topFrames } from './support/top-frames';
import { runExperiment } from './experiment/experiment';
import { machine, type ExperimentReport } from './experiment/report';
import { SCENARIOS } from './experiment/scenarios';
import { fmt, percentile } from '../shared/stats';

const HELP = `Statecraft benchmarks (not part of npm test): each comparison measured side by side in one run.

Usage: npm run bench -- [--bots 1000] [--per-room 10] [--window 10] [--api-seconds 5] [--api-rounds 3]
                        [--failover-runs 3] [--only api,gamenode,checkpoint,faultpoint,ingress,failover] [--out bench/RESULTS.md]
                        [--curve] [--curve-steps 250,500,1000,2000,4000] [--profile]

  --curve      also the capacity curve: a fresh node per step with that many players (light clients
               seated through the API: bench/gamenode/light-client.ts), until the last step, the knee
               (lateness p99 past one tick) or the load generators saturating their core;
               writes reports/<run>/curve.html
  --profile    a V8 CPU profile of the stateful game node over its window (reports/<run>/profiles)
  --api-rounds the API routes are measured in this many interleaved rounds; each ratio is the
               median of its per-round ratios (default 3)

The server under test is pinned to core 0 and the load generators (bots, autocannon: their own
processes) with Redis and the bench to core 1 (taskset; without it, a note says so).

Everything but the faultpoint comparison runs with the fault points off (FAULT_POINTS=off): the
faultpoint one measures what a fault point in pass mode adds to game traffic, next to direct.`;

const { values } = parseArgs({
  options: {
    bots: { type: 'string', default: '1000' },
    'per-room': { type: 'string', default: '10' },
    window: { type: 'string', default: '10' },
    'api-seconds': { type: 'string', default: '5' },
    'api-rounds': { type: 'string', default: '3' },
    'failover-runs': { type: 'string', default: '3' },
    only: { type: 'string', default: 'api,gamenode,checkpoint,faultpoint,ingress,failover' },
    curve: { type: 'boolean', default: false },
    'curve-steps': { type: 'string', default: CURVE_STEPS.join(',') },
    profile: { type: 'boolean', default: false },
    out: { type: 'string', default: 'bench/RESULTS.md' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help) {
  console.log(HELP);
  process.exit(0);
}
const only = new Set(values.only.split(','));
const bots = Number(values.bots);
const perRoom = Number(values['per-room']);
const windowMs = Number(values.window) * 1000;
const failoverRuns = Number(values['failover-runs']);
const args = process.argv.slice(2).join(' ');
const command = args ? `npm run bench -- ${args}` : 'npm run bench';
/** The top frames before this round of work (issue 15), kept for RESULTS.md's before-and-after. */
const PROFILE_BEFORE = 'bench/profile-before.md';
const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);
// Everything this process starts inherits the load core; each server under test is moved to its own.
pinSelfToLoad();
log(pinningNote());
const stamp = new Date().toISOString();
const dir = join('reports', `bench-${stamp.replace(/[:.]/g, '-').replace('Z', '')}`);
mkdirSync(dir, { recursive: true });

interface Check {
  what: string;
  target: string;
  measured: string;
  value?: number;
  unit?: string;
  pass: boolean | null;
}
const checks: Check[] = [];
const check = (what: string, target: string, value: number, ok: (v: number) => boolean, unit = '') =>
  checks.push({ what, target, measured: `${fmt(value, unit === '×' ? 2 : 0)}${unit}`, value, unit, pass: Number.isNaN(value) ? null : ok(value) });

/** Each check's range over today's earlier runs on this machine (reports/bench-<date>*), this one included. */
function spreadToday(current: Check[]): Map<string, { min: number; max: number; runs: number }> {
  const day = stamp.slice(0, 10);
  const seen = new Map<string, number[]>();
  const add = (c: Check) => {
    const v = c.value ?? Number.parseFloat(c.measured);
    if (Number.isFinite(v)) seen.set(c.what, [...(seen.get(c.what) ?? []), v]);
  };
  for (const entry of existsSync('reports') ? readdirSync('reports') : []) {
    const file = join('reports', entry, 'bench.json');
    if (!entry.startsWith(`bench-${day}`) || file === join(dir, 'bench.json') || !existsSync(file)) continue;
    try {
      for (const c of (JSON.parse(readFileSync(file, 'utf8')) as { checks?: Check[] }).checks ?? []) add(c);
    } catch {
      // a run that died mid-write: not part of the spread
    }
  }
  current.forEach(add);
  return new Map([...seen].map(([what, v]) => [what, { min: Math.min(...v), max: Math.max(...v), runs: v.length }]));
}

let api: ApiBenchResult | null = null;
if (only.has('api')) {
  api = await benchApi({ durationSeconds: Number(values['api-seconds']), connections: 50, rounds: Number(values['api-rounds']), log });
  check('leaderboard submit vs hello-world', '≥ 0.45×', api.ratios.submitVsHello, (v) => v >= 0.45, '×');
  check('leaderboard top-10 read vs hello-world', '≥ 0.55×', api.ratios.top10VsHello, (v) => v >= 0.55, '×');
  check('GET /v1/players/me vs hello-world', '≥ 0.45×', api.ratios.meVsHello, (v) => v >= 0.45, '×');
  check('authenticated route vs same without auth', '≥ 0.85×', api.ratios.authVsOpen, (v) => v >= 0.85, '×');
}

let game: { stateful: GameNodeRun; checkpointed: GameNodeRun; raw: RawRun } | null = null;
const profiles: Record<string, { frames: ReturnType<typeof topFrames>; packages: ReturnType<typeof byPackage> }> = {};
if (only.has('gamenode')) {
  const w = { bots, perRoom, warmupMs: 3000, windowMs, log };
  const profileDir = join(dir, 'profiles');
  const stateful = await benchGameNode('stateful', w);
  const checkpointed = await benchGameNode('checkpointed', w);
  const raw = await benchRawWs(stateful.joined, perRoom, stateful.bytesPerClientPerSec, w);
  game = { stateful, checkpointed, raw };
  check(`game node CPU vs raw ws (${stateful.joined} clients)`, '≤ 1.3×', stateful.cores / raw.cores, (v) => v <= 1.3, '×');
  check('checkpointed vs stateful CPU', '≤ 1.10×', checkpointed.cores / stateful.cores, (v) => v <= 1.1, '×');
  check('tick lateness p99 (stateful)', '≤ 10 ms', stateful.tickLatenessMs.p99, (v) => v <= 10, ' ms');
  check('tick lateness p99 (checkpointed)', '≤ 10 ms', checkpointed.tickLatenessMs.p99, (v) => v <= 10, ' ms');
  // Not a target: what the same traffic costs a bare ws server's timer on this machine (the floor under the two above).
  check('tick lateness p99 (raw ws, the same traffic)', '-', raw.tickLatenessMs.p99, () => true, ' ms');
  check(`false deaths of the live node during the ${stateful.joined}-player runs`, '0', stateful.falseDeaths + checkpointed.falseDeaths, (v) => v === 0);
  if (values.profile) {
    // A run of its own: the profiler's own cost and its start and stop would skew the measured ones.
    await benchGameNode('stateful', { ...w, profileDir: join(profileDir, 'stateful') });
    await benchRawWs(stateful.joined, perRoom, stateful.bytesPerClientPerSec, { ...w, profileDir: join(profileDir, 'raw') });
    log(`CPU profiles of the windows: ${profileDir} (top frames: npx tsx bench/support/top-frames.ts <file>)`);
    for (const which of ['stateful', 'raw']) {
      const file = readdirSync(join(profileDir, which)).find((f) => f.endsWith('.cpuprofile'));
      if (!file) continue;
      const profile = JSON.parse(readFileSync(join(profileDir, which, file), 'utf8'));
      profiles[which] = { frames: topFrames(profile, 15), packages: byPackage(profile) };
    }
  }
}

let checkpoint: CheckpointCase[] | null = null;
if (only.has('checkpoint')) {
  checkpoint = await benchCheckpoints({ rooms: 25, warmupMs: 2000, windowMs: Math.min(windowMs, 5000), log });
}

let curve: CapacityCurve | null = null;
let curveFile = '';
if (values.curve) {
  const steps = values['curve-steps'].split(',').map(Number).filter((n) => n > 0);
  curve = await capacityCurve({ mode: 'stateful', perRoom, steps, warmupMs: 3000, windowMs, log });
  const m0 = machine();
  curveFile = writeCurveReport(dir, curve, `${m0.cpu}, ${m0.cores} cores, Node ${m0.node}. ${pinningNote()}`);
  check('players per core at tick lateness p99 ≤ 10 ms (capacity curve)', '≥ 2000', curve.bestAt10ms ?? Number.NaN, (v) => v >= 2000);
}

let faultPoint: FaultPointBenchResult | null = null;
if (only.has('faultpoint')) {
  faultPoint = await benchFaultPoint({ log });
  check('fault point added to a game message round trip (p50, both ways through one point)', '≤ 200 µs', faultPoint.addedRoundTripP50Ms * 1000, (v) => v <= 200, ' µs');
}
let ingress: IngressBenchResult | null = null;
if (only.has('ingress')) {
  ingress = await benchIngress({ log });
  check('ingress added to a game message round trip (p50)', '≤ 200 µs', ingress.addedRoundTripP50Ms * 1000, (v) => v <= 200, ' µs');
  check(`ingress CPU, ${ingress.load.sockets} sockets at ${ingress.load.hz} Hz (% of a core)`, '-', ingress.load.cpuCores * 100, () => true, '%');
}

let failover: { kill: ExperimentReport; freeze: ExperimentReport } | null = null;
if (only.has('failover')) {
  // A whole cluster (3 nodes, 2 APIs, Redis, the bots), not one server under load: on both cores,
  // as `npm run experiment` runs it. Pinned to the load core with the bench it was twice as slow.
  unpinSelf();
  const common = {
    runs: failoverRuns, seed: 42, bots: 20, gameNodes: 3, warmupMs: 2000, recoveryTimeoutMs: 12_000, afterMs: 500,
    matchSeconds: 4, resultsSeconds: 1, outDir: 'reports', command, faultPoints: false,
    onProgress: (line: string) => log(line),
  };
  const kill = (await runExperiment(SCENARIOS['kill-host']!, { ...common, modes: ['stateful', 'checkpointed'] })).report;
  const freeze = (await runExperiment(SCENARIOS['freeze-host']!, { ...common, modes: ['checkpointed'] })).report;
  failover = { kill, freeze };
  const pooled = (r: ExperimentReport, get: (l: ExperimentReport['runs'][number]['losses'][number]) => number | null, mode?: string) => {
    const v = r.runs.filter((x) => !mode || x.mode === mode).flatMap((x) => x.losses.map(get)).filter((n): n is number => n !== null);
    return v.length ? percentile(v, 95) : Number.NaN;
  };
  const clusterP95 = (r: ExperimentReport) => {
    const v = r.runs.map((x) => x.detection.clusterMs).filter((n): n is number => n !== null);
    return v.length ? percentile(v, 95) : Number.NaN;
  };
  // First seat after a node death: the first matchmaking call any bot made after the kill (stateful runs).
  const firstSeats = kill.runs.filter((r) => r.mode === 'stateful')
    .map((r) => r.timeline.api.find((a) => a.t >= 0 && a.route === 'POST /v1/matchmake' && a.ok)?.ms)
    .filter((n): n is number => n !== undefined);
  check('kill detected by clients (p95, all bots)', '≤ 50 ms', pooled(kill, (l) => l.detectedMs), (v) => v <= 50, ' ms');
  check('kill detected by the cluster view (p95 of runs)', '-', clusterP95(kill), () => true, ' ms');
  check('freeze detected by the cluster view (p95 of runs)', '≤ 1500 ms', clusterP95(freeze), (v) => v <= 1500, ' ms');
  check('freeze detected by clients (p95, all bots)', '≤ 1500 ms', pooled(freeze, (l) => l.detectedMs), (v) => v <= 1500, ' ms');
  check('first seat after a node death (p95 of runs)', '≤ 100 ms', firstSeats.length ? percentile(firstSeats, 95) : Number.NaN, (v) => v <= 100, ' ms');
  check('checkpointed room back in play after a kill (p95, all bots)', '≤ 150 ms', pooled(kill, (l) => l.backInPlayMs, 'checkpointed'), (v) => v <= 150, ' ms');
  check('checkpointed room back in play after a freeze (p95, all bots)', '≤ 1300 ms', pooled(freeze, (l) => l.backInPlayMs, 'checkpointed'), (v) => v <= 1300, ' ms');
}

const m = machine();
writeFileSync(join(dir, 'bench.json'), JSON.stringify({ command, at: stamp, machine: m, pinned: canPin(), checks, api, game, checkpoint, curve, faultPoint, ingress, failover: failover && { kill: failover.kill.aggregates, freeze: failover.freeze.aggregates } }, null, 2));

const spread = spreadToday(checks);
const lines: string[] = [
  '# Benchmark results',
  '',
  `Latest run: ${stamp}, \`${command}\``,
  `Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGb} GB RAM, Node ${m.node}, ${m.platform}. Raw data: \`${dir}/bench.json\`.`,
  '',
  pinningNote(),
  '',
  '| comparison | target | measured | | spread today (runs) |',
  '|---|---|---|---|---|',
  ...checks.map((c) => {
    const s = spread.get(c.what);
    const digits = c.unit === '×' ? 2 : 0;
    const range = s && s.runs > 1 ? `${fmt(s.min, digits)}–${fmt(s.max, digits)}${c.unit ?? ''} (${s.runs})` : '–';
    return `| ${c.what} | ${c.target} | ${c.measured} | ${c.pass === null ? '–' : c.pass ? 'pass' : '**miss**'} | ${range} |`;
  }),
  '',
  'The spread covers every `npm run bench` run today on this machine (reports/bench-<date>*), partial runs included for the checks they made.',
  '',
];
if (api) {
  lines.push(`## API (autocannon, 50 connections, ${api.durationSeconds} s each, one after the other, ${api.rounds} rounds: each route's median round)`, '', '| route | req/s | p50 ms | p99 ms | non-2xx | errors | server CPU (cores) | server µs/request | autocannon CPU (cores) | Redis CPU (cores) |', '|---|---|---|---|---|---|---|---|---|---|');
  for (const c of Object.values(api.cases)) lines.push(`| ${c.name} | ${fmt(c.requestsPerSec)} | ${c.latencyP50Ms} | ${c.latencyP99Ms} | ${c.non2xx} | ${c.errors} | ${fmt(c.serverCores, 2)} | ${fmt(c.serverUsPerRequest, 1)} | ${fmt(c.generatorCores, 2)} | ${fmt(c.storeCores, 2)} |`);
  lines.push('', 'hello-world is a bare Fastify 5 process; the others are the real API app (all plugins, Redis stores, rate limiting off) in one process. `leaderboard-submit` is `POST /bench/submit`: one result of one player through `LeaderboardStore.recordMatch` (written to all 6 boards in one Lua script, de-duplicated per match id), as a game node writes it; the API has no public submit route. `players-me-open` is the `/v1/players/me` handler without `authenticate`. autocannon runs in its own process, on the load core with Redis: when the two add up to about 1.0 core, that core, not the server, set the pace.', '',
    `Each round measures hello-world, then every route; a ratio is taken within a round, and the comparisons above give each ratio's median over the rounds. Per round (submit, top-10, /me vs hello-world; /me with vs without auth): ${api.perRound.map((r) => [r.submitVsHello, r.top10VsHello, r.meVsHello, r.authVsOpen].map((v) => fmt(v, 2)).join(' / ')).join('; ')}.`, '');
}
if (game) {
  const { stateful: s, checkpointed: c, raw: r } = game;
  lines.push(`## Game node (${s.joined} bots, rooms of ${perRoom}, 20 Hz, ${windowMs / 1000} s window)`, '', '| | stateful | checkpointed | raw ws |', '|---|---|---|---|',
    `| server CPU (cores) | ${fmt(s.cores, 3)} | ${fmt(c.cores, 3)} | ${fmt(r.cores, 3)} |`,
    `| tick duration p50 / p99 (ms) | ${fmt(s.tickDurationMs.p50, 3)} / ${fmt(s.tickDurationMs.p99, 3)} | ${fmt(c.tickDurationMs.p50, 3)} / ${fmt(c.tickDurationMs.p99, 3)} | – |`,
    `| tick lateness p50 / p99 (ms) | ${fmt(s.tickLatenessMs.p50, 2)} / ${fmt(s.tickLatenessMs.p99, 2)} | ${fmt(c.tickLatenessMs.p50, 2)} / ${fmt(c.tickLatenessMs.p99, 2)} | ${fmt(r.tickLatenessMs.p50, 2)} / ${fmt(r.tickLatenessMs.p99, 2)} |`,
    `| bytes per client per second | ${fmt(s.bytesPerClientPerSec)} | ${fmt(c.bytesPerClientPerSec)} | ${fmt(r.bytesPerClientPerSec)} |`,
    `| messages per client per second | ${fmt(s.messagesPerClientPerSec, 1)} | ${fmt(c.messagesPerClientPerSec, 1)} | ${fmt(r.messagesPerClientPerSec, 1)} |`,
    `| server RSS (MB) | ${fmt(s.rssMb)} | ${fmt(c.rssMb)} | ${fmt(r.rssMb)} |`,
    `| false deaths (the API or a bot judged the live node dead) | ${s.falseDeaths} | ${c.falseDeaths} | – |`,
    `| load generators: CPU (cores), processes | ${fmt(s.generatorCores, 2)}, ${s.generatorProcesses} | ${fmt(c.generatorCores, 2)}, ${c.generatorProcesses} | ${fmt(r.generatorCores, 2)}, ${r.generatorProcesses} |`,
    '', `CPU is utime+stime of the server process from /proc over the window. The bots (and the raw clients) run in load-generator processes of at most 1000 each, apart from the bench; their CPU is their own. The raw ws server sends each room one ${r.patchBytes}-byte buffer per tick (the measured per-client rate) and echoes pings; its clients send inputs at 20 Hz and pings as often as the bots (one a second), spread over the tick as the bots' are. Its tick lateness is its one 20 Hz timer's (exact samples); a game node's is every room's step timer's (from its Prometheus histogram).`, '');
}
if (Object.keys(profiles).length > 0) {
  lines.push(`## Where the game node's CPU goes (V8 CPU profile of a ${bots}-bot window, top frames by self time)`, '');
  const before = existsSync(PROFILE_BEFORE) ? readFileSync(PROFILE_BEFORE, 'utf8').trim() : null;
  if (before) lines.push(before, '');
  for (const [which, p] of Object.entries(profiles)) {
    lines.push(`### ${which === 'raw' ? 'raw ws server' : 'game node, stateful'}: this run`, '', '| self % of wall | frame |', '|---|---|', ...p.frames.map((r) => `| ${r.selfPct.toFixed(1)} | \`${r.frame}\` |`), '',
      '| % of busy time | where |', '|---|---|', ...p.packages.map((r) => `| ${r.busyPct.toFixed(1)} | ${r.where} |`), '');
  }
  lines.push('`(idle)` is the process waiting; `dispatch` is the profiler itself. Percentages are of the window\'s wall time.', '');
}
if (checkpoint) {
  lines.push('## Checkpoint cost as rooms grow (25 rooms per size, one node)', '', '| players per room | CPU per room, stateful / checkpointed (ms/s) | checkpoints/s | bytes per checkpoint | write (encode + fenced write) ms | extra CPU per checkpoint (ms) | Redis memory per room (bytes, MEMORY USAGE) |', '|---|---|---|---|---|---|---|');
  for (const k of checkpoint) lines.push(`| ${k.players} | ${fmt(k.cpuPerRoomMs.stateful, 2)} / ${fmt(k.cpuPerRoomMs.checkpointed, 2)} | ${fmt(k.checkpointsPerSec)} | ${fmt(k.bytesPerCheckpoint)} | ${fmt(k.writeMsPerCheckpoint, 2)} | ${fmt(k.cpuMsPerCheckpoint, 3)} | ${fmt(k.redisBytesPerRoom)} |`);
  lines.push('', 'A stateful room never checkpoints; a checkpointed one saves its whole state every 250 ms. Extra CPU per checkpoint is the checkpointed node\'s CPU over the stateful one\'s, divided by the checkpoints it wrote (so it includes the fenced write\'s Redis client work). Redis memory is MEMORY USAGE of each room\'s checkpoint hash (state, tick, epoch, host).', '');
}
if (curve) {
  lines.push(`## Capacity curve (one node on one core, ${curve.mode}, rooms of ${curve.perRoom}, ${curve.windowMs / 1000} s per step)`, '', ...curveTable(curve), '', kneeSentence(curve) + (curve.stoppedBecause ? ` Stopped early: ${curve.stoppedBecause}.` : ''), '', `Chart: \`${curveFile}\`.`, '');
}
if (faultPoint) {
  const { direct: d, through: t } = faultPoint;
  lines.push(`## Fault point (${faultPoint.messages} WebSocket round trips of ${faultPoint.bytes} bytes, interleaved)`, '', '| | p50 ms | p95 ms | p99 ms |', '|---|---|---|---|',
    `| direct | ${fmt(d.p50, 3)} | ${fmt(d.p95, 3)} | ${fmt(d.p99, 3)} |`,
    `| through one fault point (pass) | ${fmt(t.p50, 3)} | ${fmt(t.p95, 3)} | ${fmt(t.p99, 3)} |`,
    '', 'A round trip crosses the fault point twice (there and back), so the added latency per hop is at most the difference shown in the table above.', '');
}
if (ingress) {
  const { direct: d, through: t, load } = ingress;
  lines.push(`## Ingress (${ingress.messages} WebSocket round trips of ${ingress.bytes} bytes, interleaved; then ${load.sockets} sockets at ${load.hz} Hz for ${load.seconds} s)`, '', '| | p50 ms | p95 ms | p99 ms |', '|---|---|---|---|',
    `| direct to the node | ${fmt(d.p50, 3)} | ${fmt(d.p95, 3)} | ${fmt(d.p99, 3)} |`,
    `| through the ingress (/node-1/) | ${fmt(t.p50, 3)} | ${fmt(t.p95, 3)} | ${fmt(t.p99, 3)} |`,
    '', `Under load the ingress (alone in its process) used ${fmt(load.cpuCores * 100, 1)}% of a core for ${fmt(load.messagesPerSecond)} round trips/s: ${fmt(load.cpuUsPerMessage, 1)} µs of CPU per round trip (two messages through it).`, '');
}
if (failover) {
  lines.push(`## Failover (${failoverRuns} runs per mode, 20 bots, 3 game nodes)`, '');
  for (const r of [failover.kill, failover.freeze]) {
    lines.push(`### ${r.scenario}`, '', '| metric | ' + r.aggregates.map((a) => `${a.mode} p50 | ${a.mode} p95`).join(' | ') + ' |', '|---|' + r.aggregates.map(() => '---|---|').join(''));
    for (const [key, label] of [['detectClientP95', 'detection, clients (ms)'], ['detectCluster', 'detection, cluster view (ms)'], ['backInPlayP95', 'back in play p95 (ms)'], ['sessionsLost', 'sessions lost'], ['pointsLost', 'score lost'], ['apiSuccess', 'API success during fault (%)'], ['lbLost', 'leaderboard lost'], ['lbDouble', 'leaderboard double-counted']] as const) {
      lines.push(`| ${label} | ` + r.aggregates.map((a) => `${fmt(a.metrics[key]?.p50)} | ${fmt(a.metrics[key]?.p95)}`).join(' | ') + ' |');
    }
    lines.push('');
  }
}
writeFileSync(values.out, lines.join('\n'));
console.log(lines.join('\n'));
console.log(`\nwritten: ${values.out}, ${dir}/bench.json`);
process.exit(0);
