import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { apiPorts, loadConfig } from '../common/config';
import { Cluster } from './cluster';
import { startControlServer, type ControlServer } from './control';
import { redisAnswers, redisServerInstalled, startRedisServer } from './redis';
import { ManagedStore } from './store';
import { startWeb } from './web';
import { formatLine } from './output';
import { freePort } from './ports';

const HELP = `Statecraft local cluster

Usage: npm start [-- --nodes N] [-- --no-web]

Starts Redis (if none answers at REDIS_URL), the game nodes, the API instances,
the web client and the fault-injection endpoint, then prints where each runs.
Ctrl-C stops everything.

Options:
  --nodes N     game nodes to start (env GAME_NODES, default 3)
  --no-web      do not start the web client
  --no-control  do not start the fault-injection endpoint
  -h, --help    show this help

Environment: see .env.example (ports, REDIS_URL, TICK_RATE, MATCH_SECONDS, ...).
Faults: npm run chaos -- <kill|freeze|thaw|restart|drain> <node-1|api-1|...>
        npm run chaos -- <partition|isolate|heal> <node-1|...>, slow <node-1|...> <ms>
        npm run chaos -- <partition|heal> redis, <kill|restart> redis (when the supervisor started Redis itself)
        npm run chaos -- fencing <on|off>
Network faults go through fault points (FAULT_POINTS=off connects everything directly).`;

const DATA_DIR = '.data';
export const CONTROL_FILE = `${DATA_DIR}/control.json`;

const { values: args } = parseArgs({
  options: {
    nodes: { type: 'string' },
    'no-web': { type: 'boolean', default: false },
    'no-control': { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (args.help) {
  console.log(HELP);
  process.exit(0);
}

const config = loadConfig({ ...process.env, ...(args.nodes ? { GAME_NODES: args.nodes } : {}) });
const say = (line: string) => console.log(`[statecraft] ${line}`);
let store: ManagedStore | null = null;
let redisUrl: string | null = config.REDIS_URL || null;

if (redisUrl && (await redisAnswers(redisUrl))) {
  store = ManagedStore.external(redisUrl);
} else if (redisUrl) {
  const url = new URL(redisUrl);
  if (redisServerInstalled() && ['localhost', '127.0.0.1'].includes(url.hostname)) {
    say(`No Redis at ${redisUrl}: starting redis-server (data in ${DATA_DIR}/redis, kept across restarts)`);
    const dir = `${DATA_DIR}/redis`;
    store = ManagedStore.started(redisUrl, await startRedisServer(Number(url.port || 6379), dir), dir);
  } else {
    say(`No Redis answers at ${redisUrl} and redis-server is not installed.`);
    redisUrl = null;
  }
}
if (!redisUrl) {
  say('Running in ONE-PROCESS MODE: one game node and one API instance in a single process, in memory.');
  say('Nothing survives a restart and there is no other node to fail over to. For the full cluster,');
  say('install Redis (sudo apt-get install -y redis-server) or set REDIS_URL.');
}

const jwtSecret = config.JWT_SECRET ?? randomBytes(48).toString('base64url');
const webOrigin = `http://${config.PUBLIC_HOST}:${config.WEB_PORT}`;
// With fault points, players use GAME_PORT + i (the node's fault point) and the node itself listens on a free port.
const faultPoints = config.FAULT_POINTS === 'on' && redisUrl !== null;
const playerPorts = Array.from({ length: config.GAME_NODES }, (_, i) => config.GAME_PORT + i);
const cluster = new Cluster({
  redisUrl,
  gamePorts: faultPoints ? await Promise.all(playerPorts.map(() => freePort())) : playerPorts,
  faultPoints,
  playerPorts,
  bindHost: config.BIND_HOST,
  apiPorts: apiPorts(config),
  publicHost: config.PUBLIC_HOST,
  jwtSecret,
  ...(store ? { store } : {}),
  env: {
    TICK_RATE: String(config.TICK_RATE),
    MATCH_SECONDS: String(config.MATCH_SECONDS),
    RESULTS_SECONDS: String(config.RESULTS_SECONDS),
    LOG_LEVEL: config.LOG_LEVEL,
    FENCING: config.FENCING,
    CORS_ORIGINS: `${config.CORS_ORIGINS},${webOrigin}`,
  },
  print: (id, line) => {
    const text = formatLine(line);
    if (text) console.log(`[${id}] ${text}`);
  },
});

let control: ControlServer | null = null;
let stopping = false;
async function shutdown(code: number): Promise<never> {
  if (stopping) process.exit(code);
  stopping = true;
  say('stopping...');
  await Promise.allSettled([cluster.stop(), control?.close(), web?.close()]);
  rmSync(CONTROL_FILE, { force: true });
  await store?.stop().catch(() => {});
  process.exit(code);
}
process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));

let web: Awaited<ReturnType<typeof startWeb>> | null = null;
try {
  await cluster.start();
  let controlAccess: { url: string; token: string } | null = null;
  if (!args['no-control'] && config.CONTROL_PORT !== 0) {
    const token = randomBytes(24).toString('base64url');
    control = await startControlServer(cluster, token, config.CONTROL_PORT, [webOrigin, `http://127.0.0.1:${config.WEB_PORT}`]);
    controlAccess = { url: control.url, token };
    mkdirSync(DATA_DIR, { recursive: true });
    writeFileSync(CONTROL_FILE, JSON.stringify(controlAccess), { mode: 0o600 });
  }
  const apiUrls = redisUrl
    ? cluster.list('api').map((c) => `http://${config.PUBLIC_HOST}:${c.spec.port}`)
    : [`http://${config.PUBLIC_HOST}:${apiPorts(config)[0]}`];
  if (!args['no-web']) web = await startWeb(config.WEB_PORT, { apiUrls, control: controlAccess });

  console.log(table([
    ['what', 'id', 'where', 'pid'],
    ['redis', store?.managed ? 'started here' : store ? 'already running (no store faults)' : 'none: in memory', redisUrl ?? '-', store?.info().pid ?? '-'],
    ...cluster.list().map((c) => [c.spec.kind === 'game' ? 'game node' : 'API', c.spec.id,
      c.spec.kind === 'game' ? `ws://${c.spec.env.PUBLIC_ADDRESS}${faultPoints ? ` (listens on ${c.spec.port})` : ''}` : `http://${config.PUBLIC_HOST}:${c.spec.port}`, c.pid ?? '-']),
    ...(cluster.network?.paths() ?? []).map((p) => ['fault point', p.name, `${p.listen} → ${p.target}`, process.pid]),
    ...(redisUrl ? [] : [['API', 'api-1 (in node-1)', apiUrls[0]!, cluster.get('node-1').pid ?? '-']]),
    ...(control ? [['control', 'loopback only', control.url, process.pid]] : []),
    ...(web ? [['web client', '', webOrigin, process.pid]] : []),
  ]));
  if (redisUrl && !faultPoints) say('Fault points are off (FAULT_POINTS=off): no network faults (partition, isolate, slow).');
  if (!cluster.fencing) say('FENCING=off: checkpointed rooms cut off from the store play on (split brain); the lab only.');
  if (web) say(`Play at ${webOrigin}  (Ctrl-C stops everything)`);
} catch (err) {
  say(`could not start: ${err instanceof Error ? err.message : String(err)}`);
  await shutdown(1);
}

function table(rows: (string | number)[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)));
  return rows.map((r) => r.map((cell, i) => String(cell).padEnd(widths[i]!)).join('  ')).join('\n');
}
