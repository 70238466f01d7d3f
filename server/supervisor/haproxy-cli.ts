import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { loadConfig } from '../common/config';
import { renderHaproxy } from './haproxy';
import { fromSettings, parseTopology } from './topology';

const HELP = `Statecraft: the HAProxy configuration of the one entry point

Usage: npm run haproxy -- --print [--topology FILE] [--out FILE]

  --print          write the configuration to stdout
  --out FILE       write it to FILE
  --topology FILE  who runs where, as JSON (see server/supervisor/topology.ts:
                   {storeUrl, nodes: [{id, bind, reach}], apis: [...], ingress: {bind, publicHost, web}});
                   default: this host's settings (GAME_NODES, GAME_PORT, API_PORTS, BIND_HOST,
                   WEB_PORT, PUBLIC_HOST), as npm start runs them without fault points

Check it with: haproxy -c -f FILE`;

const { values } = parseArgs({
  options: {
    print: { type: 'boolean', default: false },
    out: { type: 'string' },
    topology: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help || (!values.print && !values.out)) {
  console.log(HELP);
  process.exit(values.help ? 0 : 2);
}
const topology = values.topology ? parseTopology(JSON.parse(readFileSync(values.topology, 'utf8'))) : fromSettings(loadConfig());
const text = renderHaproxy(topology);
if (values.out) writeFileSync(values.out, text);
if (values.print) process.stdout.write(text);
