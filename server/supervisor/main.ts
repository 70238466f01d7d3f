import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { apiPorts, loadConfig } from '../common/config';
import { Cluster } from './cluster';
import { startControlServer, type ControlServer } from './control';
import { openStore } from './store-open';
import { startWeb } from './web';
import { Ingress } from './ingress';
import { formatLine } from './output';
import { freePort } from './ports';
import { createLogger } from '../common/logger';
import { watchUnhandledRejections } from '../common/unhandled';
import { within } from '../common/within';

const HELP = `Statecraft local cluster

Usage: npm start [-- --nodes N] [-- --no-web] [-- --store ha]

Starts Redis (if none answers at REDIS_URL), the game nodes, the API instances,
the ingress (the one public entry point, http://PUBLIC_HOST:WEB_PORT: the page,
/api/* round robin, /<node-id>/* to that node), the web client behind it and the
fault-injection endpoint, then prints where each runs. Ctrl-C stops everything
(each process gets 5 s to close cleanly; a second Ctrl-C kills them all at once).

Options:
  --nodes N     game nodes to start (env GAME_NODES, default 3)
  --store ha    a replicated store: a Redis primary, one replica and three Sentinels
                (env STORE=ha or sentinel); every process finds the primary through Sentinel
  --no-web      do not start the web client (the ingress still serves /api and the nodes)
  --no-control  do not start the fault-injection endpoint
  -h, --help    show this help

Environment: see .env.example (ports, REDIS_URL, TICK_RATE, MATCH_SECONDS, ...).
Faults: npm run chaos -- <kill|freeze|thaw|restart|drain> <node-1|api-1|...>
        npm run chaos -- <partition|isolate|heal> <node-1|...>, slow <node-1|...> <ms>
        npm run chaos -- <partition|heal> redis, <kill|restart> redis (when the supervisor started Redis itself)
        npm run chaos -- fencing <on|off>
        npm run chaos -- <kill|restart> redis-primary (with --store ha)
Network faults go through fault points (FAULT_POINTS=off connects everything directly).`;

// The supervisor carries the ingress, the fault points and the control endpoint: an unhandled
// rejection there must be logged and counted, not take every child down with it.
watchUnhandledRejections(createLogger('supervisor', 'info'));

const DATA_DIR = '.data';
export const CONTROL_FILE = `${DATA_DIR}/control.json`;

const { values: args } = parseArgs({
  options: {
    nodes: { type: 'string' },
    store: { type: 'string' },
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
if (args.store !== undefined && !['ha', 'sentinel', 'single'].includes(args.store)) {
  console.error(`--store takes ha (or sentinel) or single, not ${args.store}.`);
  process.exit(2);
}
const opened = await openStore(config, { ha: ['ha', 'sentinel'].includes(args.store ?? config.STORE), dataDir: DATA_DIR, say });
const { store, redisUrl } = opened;
if (!redisUrl) {
  say('Running in ONE-PROCESS MODE: one game node and one API instance in a single process, in memory.');
  say('Nothing survives a restart and there is no other node to fail over to. For the full cluster,');
  say('install Redis (sudo apt-get install -y redis-server) or set REDIS_URL.');
}

const jwtSecret = config.JWT_SECRET ?? randomBytes(48).toString('base64url');
// The ingress is the one public origin: the page, the API and every game node's route.
const ingressHost = `${config.PUBLIC_HOST}:${config.WEB_PORT}`;
const webOrigin = `http://${ingressHost}`;
// With fault points, players use GAME_PORT + i (the node's fault point) and the node itself listens on a free port.
const faultPoints = config.FAULT_POINTS === 'on' && redisUrl !== null && opened.faultPointsOff === null;
const playerPorts = Array.from({ length: config.GAME_NODES }, (_, i) => config.GAME_PORT + i);
const cluster = new Cluster({
  redisUrl,
  gamePorts: faultPoints ? await Promise.all(playerPorts.map(() => freePort())) : playerPorts,
  faultPoints,
  playerPorts,
  bindHost: config.BIND_HOST,
  ingressHost,
  apiPorts: apiPorts(config),
  publicHost: config.PUBLIC_HOST,
  jwtSecret,
  ...(store ? { store } : {}),
  ...(opened.faultPointsOff ? { faultPointsOff: opened.faultPointsOff } : {}),
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
let ingress: Ingress | null = null;
/**
 * A second signal this soon after the first is the same Ctrl-C delivered twice (the terminal
 * signals the whole process group, and tsx relays it as well when it did not see us get it).
 */
const SAME_SIGNAL_MS = 500;
let stoppingAt: number | null = null;
async function shutdown(code: number): Promise<never> {
  stoppingAt = performance.now();
  say('stopping... (Ctrl-C again to stop at once)');
  await Promise.allSettled([ingress?.close(), cluster.stop(), control?.close(), web?.close()]);
  rmSync(CONTROL_FILE, { force: true });
  await store?.stop().catch(() => {});
  process.exit(code);
}
/** Asked again: stop at once, but leave no process behind (a node whose close hung would outlive us; Redis never exits by itself). */
async function stopAtOnce(): Promise<never> {
  say('stopping at once: killing every process');
  cluster.kill();
  rmSync(CONTROL_FILE, { force: true });
  await within(store?.stop() ?? Promise.resolve(), 2000, () => new Error('the store did not stop')).catch(() => {});
  process.exit(1);
}
const onSignal = () => {
  if (stoppingAt === null) void shutdown(0);
  else if (performance.now() - stoppingAt >= SAME_SIGNAL_MS) void stopAtOnce();
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

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
  // Vite listens on an internal loopback port: the page reaches it only through the ingress.
  const webPort = args['no-web'] ? null : await freePort();
  if (webPort !== null) web = await startWeb(webPort, { api: '/api', control: controlAccess }, config.PUBLIC_HOST);
  ingress = await Ingress.start(cluster.ingressRoutes(webPort === null ? null : { host: '127.0.0.1', port: webPort }), { host: config.BIND_HOST, port: config.WEB_PORT });
  const apiAt = (port: number) => `http://${cluster.topology.apis[0]?.reach.host ?? '127.0.0.1'}:${port}`;

  console.log(table([
    ['what', 'id', 'where', 'pid'],
    ['redis', store?.managed ? 'started here' : store ? 'already running (no store faults)' : 'none: in memory', redisUrl ?? '-', store?.info().pid ?? '-'],
    ...(store?.info().members ?? []).map((m) => [`  ${m.role}`, m.id, `127.0.0.1:${m.port}`, m.pid ?? '-']),
    ['ingress', 'the entry point', `${webOrigin}  (/api/* round robin, /<node-id>/* sticky, /ingress/pool)`, process.pid],
    ...cluster.list().map((c) => [c.spec.kind === 'game' ? 'game node' : 'API', c.spec.id,
      c.spec.kind === 'game' ? `ws://${c.spec.env.PUBLIC_ADDRESS} → ${c.spec.port}` : `${webOrigin}/api → ${apiAt(c.spec.port)}`, c.pid ?? '-']),
    ...(cluster.network?.paths() ?? []).map((p) => ['fault point', p.name, `${p.listen} → ${p.target}`, process.pid]),
    ...(redisUrl ? [] : [['API', 'api-1 (in node-1)', `${webOrigin}/api → ${apiAt(apiPorts(config)[0]!)}`, cluster.get('node-1').pid ?? '-']]),
    ...(control ? [['control', 'loopback only', control.url, process.pid]] : []),
    ...(web && webPort !== null ? [['web client', 'behind the ingress', `${webOrigin} → 127.0.0.1:${webPort}`, process.pid]] : []),
  ]));
  if (opened.faultPointsOff) say(`Fault points are off: ${opened.faultPointsOff}`);
  else if (redisUrl && !faultPoints) say('Fault points are off (FAULT_POINTS=off): no network faults (partition, isolate, slow).');
  if (opened.persistenceWarning) say(`WARNING: the Redis at ${redisUrl} ${opened.persistenceWarning}. See README "Durable data".`);
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
