import { parseArgs } from 'node:util';
import { ROOM_MODES, type RoomMode } from '../../shared/protocol';
import { loadConfig } from '../common/config';
import { fmt } from '../../shared/stats';
import { BotFleet } from './fleet';
import { reportFleet } from './report';

const HELP = `Statecraft bots: headless players through the real API

Usage: npm run bots -- [--players 200] [--per-room 10] [--mode stateful|checkpointed] [--duration 60s] [--api URL,...]

  --players N     bots to run (1..5000, default 20)
  --per-room N    players per room (2..16, default 16), asked of the API's
                  matchmaker: bots asking the same size share rooms
  --mode M        stateful (default) or checkpointed
  --duration D    how long to play: 30s, 2m, 1500ms (default 30s, at most 30m)
  --api URLS      the API's base URL: the ingress's /api (default
                  http://PUBLIC_HOST:WEB_PORT/api, as the page uses it), or a
                  comma-separated list of instances to fail over between
  --json          print the report as JSON

Loopback only: the bots refuse any API or game node that is not on this machine.
Start a cluster first with \`npm start\`.`;

const { values } = parseArgs({
  options: {
    players: { type: 'string', default: '20' },
    'per-room': { type: 'string' },
    mode: { type: 'string', default: 'stateful' },
    duration: { type: 'string', default: '30s' },
    api: { type: 'string' },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help) {
  console.log(HELP);
  process.exit(0);
}

function fail(message: string): never {
  console.error(`bots: ${message}\n\n${HELP}`);
  process.exit(2);
}

/** '60s' | '2m' | '1500ms' | '60' → milliseconds. */
export function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text.trim());
  if (!m) return Number.NaN;
  const n = Number(m[1]);
  return m[2] === 'ms' ? n : m[2] === 'm' ? n * 60_000 : n * 1000;
}

const players = Number(values.players);
if (!Number.isInteger(players) || players < 1 || players > 5000) fail('--players must be an integer from 1 to 5000');
const perRoom = values['per-room'] === undefined ? undefined : Number(values['per-room']);
if (perRoom !== undefined && (!Number.isInteger(perRoom) || perRoom < 2 || perRoom > 16)) fail('--per-room must be an integer from 2 to 16');
if (!(ROOM_MODES as readonly string[]).includes(values.mode)) fail(`--mode must be one of ${ROOM_MODES.join(', ')}`);
const durationMs = parseDuration(values.duration);
if (!(durationMs > 0 && durationMs <= 30 * 60_000)) fail('--duration must be between 1ms and 30m, e.g. 60s');

const config = loadConfig();
const apiUrls = values.api
  ? values.api.split(',').map((u) => u.trim()).filter(Boolean)
  : [`http://${config.PUBLIC_HOST}:${config.WEB_PORT}/api`];
for (const url of apiUrls) {
  let host: string;
  try {
    host = new URL(url).hostname;
  } catch {
    fail(`not a URL: ${url}`);
  }
  if (!['127.0.0.1', 'localhost', '[::1]', '::1'].includes(host)) fail(`${url} is not on this machine: bots run on loopback only`);
}

const fleet = new BotFleet({ apiUrls, players, perRoom, mode: values.mode as RoomMode, tickRate: config.TICK_RATE });
const tty = process.stderr.isTTY;
const status = (line: string) => (tty ? process.stderr.write(`\r\x1b[2K${line}`) : undefined);
let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  clearInterval(ticker);
  status('leaving…');
  await fleet.stop(0);
};
process.once('SIGINT', () => void stop());

const t0 = Date.now();
const ticker = setInterval(() => {
  const s = Math.round((Date.now() - t0) / 1000);
  status(`${s}s / ${Math.round(durationMs / 1000)}s  in play ${fleet.inPlay()}/${players}  losses ${fleet.losses().length}`);
}, 500);
const failed = await fleet.start();
if (failed === players) {
  clearInterval(ticker);
  await fleet.stop(0);
  fail(`no bot could join (${fleet.bots[0]?.error ?? 'unknown error'}). Is the cluster running (npm start)?`);
}
await new Promise<void>((resolve) => {
  const end = setTimeout(resolve, Math.max(0, durationMs - (Date.now() - t0)));
  process.once('SIGINT', () => (clearTimeout(end), resolve()));
});
await stop();
if (tty) process.stderr.write('\n');
const report = reportFleet(fleet, Date.now() - fleet.startedAt);
if (values.json) {
  console.log(JSON.stringify(report, null, 2));
} else {
  console.log([
    `players      ${report.joined}/${report.players} joined, ${report.failed} failed, ${report.rooms} rooms`,
    `host losses  ${report.losses} (rejoined ${report.rejoined}, sessions lost ${report.sessionsLost})`,
    `ping RTT     p50 ${fmt(report.rttMs.p50, 1)} ms  p99 ${fmt(report.rttMs.p99, 1)} ms`,
    `downstream   ${fmt(report.bytesPerClientPerSec)} B/s and ${fmt(report.messagesPerClientPerSec, 1)} msg/s per client`,
    `API          ${report.api.ok}/${report.api.requests} ok, p50 ${fmt(report.api.latencyMs.p50, 1)} ms  p99 ${fmt(report.api.latencyMs.p99, 1)} ms`,
    ...report.errors.map((e) => `error        ${e}`),
  ].join('\n'));
}
process.exit(0);
