import { parseArgs } from 'node:util';
import { ROOM_MODES, type RoomMode } from '../../shared/protocol';
import { runExperiment } from './experiment';
import { summaryTable } from './report';
import { SCENARIOS } from './scenarios';

const HELP = `Statecraft experiments: a fault at a known time, measured from the players' side

Usage: npm run experiment -- <scenario> [--runs 5] [--seed 42] [--mode stateful|checkpointed|both]
                                        [--bots 20] [--per-room N] [--nodes 3] [--out reports]
                                        [--outage 60s]   (redis-restart: how long the store is down;
                                                          network faults: how long until heal, default 3s)
                                        [--fencing on|off|both]   (default: both for network faults, else on)

Scenarios:
${Object.values(SCENARIOS).map((s) => `  ${s.name.padEnd(14)} ${s.summary}`).join('\n')}

Each run starts its own cluster (free loopback ports, its own redis-server), seats
the bots through the API, injects the fault 2-2.5 s later (seeded jitter), waits
until every bot is back in play, then checks the leaderboard against what the
bots were shown. Writes reports/<scenario>-<time>/report.json and report.html.`;

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    runs: { type: 'string', default: '5' },
    seed: { type: 'string', default: '42' },
    mode: { type: 'string', default: 'both' },
    bots: { type: 'string', default: '20' },
    'per-room': { type: 'string' },
    nodes: { type: 'string', default: '3' },
    outage: { type: 'string' },
    fencing: { type: 'string' },
    out: { type: 'string', default: 'reports' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help) {
  console.log(HELP);
  process.exit(0);
}
function fail(message: string): never {
  console.error(`experiment: ${message}\n\n${HELP}`);
  process.exit(2);
}
const scenario = SCENARIOS[positionals[0] ?? ''];
if (!scenario) fail(positionals[0] ? `unknown scenario "${positionals[0]}"` : 'name a scenario');
const int = (name: string, v: string | undefined, min: number, max: number): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) fail(`--${name} must be an integer from ${min} to ${max}`);
  return n;
};
const runs = int('runs', values.runs, 1, 100);
const seed = int('seed', values.seed, 0, 2 ** 31);
const bots = int('bots', values.bots, 1, 2000);
const nodes = int('nodes', values.nodes, 2, 8);
/** "60s", "1500ms", "2m" or plain milliseconds. */
const duration = (name: string, v: string): number => {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(v.trim());
  const ms = m ? Number(m[1]) * (m[2] === 'm' ? 60_000 : m[2] === 's' ? 1000 : 1) : Number.NaN;
  if (!(ms >= 100 && ms <= 30 * 60_000)) fail(`--${name} must be a duration from 100ms to 30m, like 60s`);
  return Math.round(ms);
};
const outageMs = values.outage === undefined ? undefined : duration('outage', values.outage);
if (outageMs !== undefined && scenario.name !== 'redis-restart' && !scenario.network) fail('--outage applies to redis-restart and the network faults only');
const fencingArg = values.fencing ?? (scenario.network ? 'both' : 'on');
const fencings = fencingArg === 'both' ? [true, false] : fencingArg === 'on' ? [true] : fencingArg === 'off' ? [false] : fail('--fencing must be on, off or both');
const perRoom = values['per-room'] === undefined ? undefined : int('per-room', values['per-room'], 2, 16);
const modes: RoomMode[] = values.mode === 'both' ? [...ROOM_MODES] : (ROOM_MODES as readonly string[]).includes(values.mode) ? [values.mode as RoomMode] : fail('--mode must be stateful, checkpointed or both');

const tty = process.stderr.isTTY;
let last = '';
const bar = (line: string, f: number) => {
  const width = 24;
  const filled = Math.round(Math.min(1, f) * width);
  const text = `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(Math.round(f * 100)).padStart(3)}%  ${line}`;
  if (tty) process.stderr.write(`\r\x1b[2K${text.slice(0, (process.stderr.columns || 120) - 1)}`);
  else if (line !== last) process.stderr.write(`${text}\n`);
  last = line;
};

const { report, dir } = await runExperiment(scenario, {
  runs, modes, fencings, seed, bots, perRoom, gameNodes: nodes, ...(outageMs !== undefined ? { outageMs } : {}),
  warmupMs: 2000, recoveryTimeoutMs: 12_000, afterMs: 1000, matchSeconds: 4, resultsSeconds: 1,
  outDir: values.out, command: `npm run experiment -- ${process.argv.slice(2).join(' ')}`,
  onProgress: bar,
});
if (tty) process.stderr.write('\n');
console.log(`\n${scenario.name}: ${runs} run(s) per mode${fencings.length > 1 ? ', fencing on and off' : fencings[0] ? '' : ', fencing off'}, ${bots} bots, seed ${seed}\n`);
console.log(summaryTable(report));
const bad = report.runs.filter((r) => r.fencing && (r.leaderboard.lost > 0 || r.leaderboard.doubleCounted > 0));
console.log(`\nleaderboard: ${bad.length === 0 ? 'no result lost or double-counted' : `${bad.length} run(s) with lost or double-counted results`}`);
const failovers = report.runs.flatMap((r) => (r.failover ? [r.failover] : []));
if (failovers.length) {
  const total = (k: 'off' | 'on', f: 'lost' | 'acknowledged') => failovers.reduce((n, r) => n + r.results[k][f], 0);
  console.log(`store: probe results lost ${total('off', 'lost')}/${total('off', 'acknowledged')} without WAIT, ${total('on', 'lost')}/${total('on', 'acknowledged')} with WAIT 1 200; `
    + `checkpoints lost ${failovers.reduce((n, r) => n + (r.checkpoints?.snapshotsLost ?? 0), 0)} over ${failovers.reduce((n, r) => n + (r.checkpoints?.rooms ?? 0), 0)} room-kills`);
}
const exits = report.runs.flatMap((r) => r.processes.exits);
console.log(`processes: ${exits.length === 0 ? 'none exited' : `exited: ${exits.join(', ')}`}; unhandled rejections ${report.runs.reduce((n, r) => n + r.processes.unhandledRejections, 0)}`);
console.log(`report: ${dir}/report.html`);
process.exit(bad.length === 0 && exits.length === 0 ? 0 : 1);
