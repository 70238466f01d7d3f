import { readFileSync } from 'node:fs';
import { PROCESS_FAULTS } from './cluster';

const USAGE = `Usage: npm run chaos -- <${PROCESS_FAULTS.join('|')}> <process-id>
       npm run chaos -- <partition|isolate|heal> <node-id>
       npm run chaos -- slow <node-id> <ms>
       npm run chaos -- <partition|heal> redis
       npm run chaos -- <kill|restart> redis-primary       (npm start -- --store ha)
       npm run chaos -- fencing <on|off>
       npm run chaos -- status

Process faults (real signals):
  kill       SIGKILL: a crash; the OS resets the sockets, clients notice at once
  freeze     SIGSTOP: a hung host; only heartbeats can tell
  thaw       SIGCONT: resume a frozen process
  restart    start a dead process again under the same id
  drain      SIGTERM: stop taking rooms, let players finish or move, then exit

Network faults (through the supervisor's fault points; connections stay open, as in a real
partition, and bytes already sent are held until heal):
  partition  cut the process off from the store only (its players still reach it)
  isolate    cut a game node off from the store and from its players
  slow       add <ms> (1-5000) of latency each way between the process and the store
  heal       undo the process's network faults
  partition redis / heal redis   cut every process off from the store (Redis keeps running)

  fencing on|off   lab switch: off lets a checkpointed room cut off from the store play on
                   (split brain) and records a stale copy's results; on is the default

Process ids: node-1, node-2, ... (game nodes), api-1, api-2, ... (API instances),
and redis (the store: kill and restart only when npm start started redis-server itself;
restart brings it back on the same port with its data). With a replicated store
(npm start -- --store ha): redis-primary, kill = SIGKILL the server Sentinel names primary now
(the replica is promoted in ~2-3 s), restart = start a killed server again as a replica.
Talks to the supervisor started by \`npm start\` (its address and token are in .data/control.json).`;

const [fault, target, extra] = process.argv.slice(2);
if (!fault || fault === '-h' || fault === '--help') {
  console.log(USAGE);
  process.exit(fault ? 0 : 2);
}

let control: { url: string; token: string };
try {
  control = JSON.parse(readFileSync('.data/control.json', 'utf8')) as typeof control;
} catch {
  console.error('No running cluster found (.data/control.json is missing): start one with `npm start`.');
  process.exit(1);
}

interface Answer {
  message?: string;
  processes?: { id: string; state: string; pid: number | null; port: number; lastExit: string | null; reason?: string | null }[];
  fencing?: boolean;
  faults?: { target: string; kind: string; ms?: number; since: number }[];
}

const headers = { authorization: `Bearer ${control.token}`, 'content-type': 'application/json' };
const call = async (method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ ok: boolean; body: Answer }> => {
  const res = await fetch(`${control.url}${path}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  return { ok: res.ok, body: (await res.json()) as Answer };
};

try {
  if (fault === 'status') {
    const [procs, net] = await Promise.all([call('GET', '/processes'), call('GET', '/network')]);
    for (const p of procs.body.processes ?? []) {
      console.log(`${p.id.padEnd(8)} ${p.state.padEnd(9)} port ${p.port}  pid ${p.pid ?? '-'}${p.lastExit ? `  last exit: ${p.lastExit}` : ''}${p.reason ? `  faults off: ${p.reason}` : ''}`);
    }
    const faults = net.body.faults ?? [];
    console.log(`\nfencing ${net.body.fencing ? 'on' : 'OFF (split brain allowed)'}; network faults: ${faults.length ? '' : 'none'}`);
    for (const f of faults) console.log(`  ${f.target.padEnd(8)} ${f.kind}${f.ms ? ` ${f.ms} ms` : ''}  for ${((Date.now() - f.since) / 1000).toFixed(1)} s`);
    process.exit(procs.ok && net.ok ? 0 : 1);
  }
  if (fault === 'fencing' && target !== 'on' && target !== 'off') {
    console.error('Usage: npm run chaos -- fencing <on|off>');
    process.exit(2);
  }
  const ms = fault === 'slow' ? Number(extra) : undefined;
  if (fault === 'slow' && !(Number.isInteger(ms) && ms! >= 1 && ms! <= 5000)) {
    console.error('Usage: npm run chaos -- slow <node-id> <ms>   (ms: 1-5000, added each way)');
    process.exit(2);
  }
  const answer = fault === 'fencing'
    ? await call('POST', '/fencing', { on: target === 'on' })
    : await call('POST', '/faults', { fault, target, ...(ms === undefined ? {} : { ms }) });
  console.log(answer.body.message);
  process.exit(answer.ok ? 0 : 1);
} catch (err) {
  console.error(`The supervisor at ${control.url} did not answer (${err instanceof Error ? err.message : String(err)}). Is \`npm start\` still running?`);
  process.exit(1);
}
