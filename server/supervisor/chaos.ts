import { readFileSync } from 'node:fs';
import { FAULTS } from './cluster';

const USAGE = `Usage: npm run chaos -- <${FAULTS.join('|')}> <process-id>
       npm run chaos -- status

  kill     SIGKILL: a crash; the OS resets the sockets, clients notice at once
  freeze   SIGSTOP: a hung host; only heartbeats can tell
  thaw     SIGCONT: resume a frozen process
  restart  start a dead process again under the same id
  drain    SIGTERM: stop taking rooms, let players finish or move, then exit

Process ids: node-1, node-2, ... (game nodes), api-1, api-2, ... (API instances),
and redis (the store: kill and restart only, and only when npm start started
redis-server itself; restart brings it back on the same port with its data).
Talks to the supervisor started by \`npm start\` (its address and token are in .data/control.json).`;

const [fault, target] = process.argv.slice(2);
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

const headers = { authorization: `Bearer ${control.token}`, 'content-type': 'application/json' };
try {
  const res = fault === 'status'
    ? await fetch(`${control.url}/processes`, { headers })
    : await fetch(`${control.url}/faults`, { method: 'POST', headers, body: JSON.stringify({ fault, target }) });
  const body = (await res.json()) as { message?: string; processes?: { id: string; state: string; pid: number | null; port: number; lastExit: string | null; reason?: string | null }[] };
  if (body.processes) {
    for (const p of body.processes) {
      console.log(`${p.id.padEnd(8)} ${p.state.padEnd(9)} port ${p.port}  pid ${p.pid ?? '-'}${p.lastExit ? `  last exit: ${p.lastExit}` : ''}${p.reason ? `  faults off: ${p.reason}` : ''}`);
    }
  } else {
    console.log(body.message);
  }
  process.exit(res.ok ? 0 : 1);
} catch (err) {
  console.error(`The supervisor at ${control.url} did not answer (${err instanceof Error ? err.message : String(err)}). Is \`npm start\` still running?`);
  process.exit(1);
}
