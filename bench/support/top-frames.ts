import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

/**
 * The top frames of a V8 CPU profile (`node --cpu-prof`) by self time, and
 * busy time by package: what bench/RESULTS.md lists before and after a change. Usage:
 *   npx tsx bench/support/top-frames.ts <file.cpuprofile> [count]
 */
interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export function topFrames(profile: Profile, count = 15): { frame: string; selfPct: number }[] {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const node = byId.get(id);
    if (!node) return;
    const dt = profile.timeDeltas[i] ?? 0;
    const { functionName, url, lineNumber } = node.callFrame;
    const where = url ? `${url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/(server|shared|bench)\//, '$1/')}:${lineNumber + 1}` : '';
    const key = `${functionName || '(anonymous)'} ${where}`.trim();
    self.set(key, (self.get(key) ?? 0) + dt);
    total += dt;
  });
  return [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, count).map(([frame, t]) => ({ frame, selfPct: (t / total) * 100 }));
}

/** Busy time (idle left out) by where the code lives: a package, a Node internal, our files, or V8 itself. */
export function byPackage(profile: Profile, count = 12): { where: string; busyPct: number }[] {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const busy = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const node = byId.get(id);
    if (!node || node.callFrame.functionName === '(idle)') return;
    const { url, functionName } = node.callFrame;
    const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1];
    const where = pkg ?? (url.startsWith('node:') ? 'node internals' : /\/(server|shared)\//.test(url) ? 'ours (server/, shared/)' : url ? 'other' : functionName);
    const dt = profile.timeDeltas[i] ?? 0;
    busy.set(where, (busy.get(where) ?? 0) + dt);
    total += dt;
  });
  return [...busy.entries()].sort((a, b) => b[1] - a[1]).slice(0, count).map(([where, t]) => ({ where, busyPct: (t / total) * 100 }));
}

if (process.argv[1] && basename(process.argv[1]).startsWith('top-frames')) {
  const file = process.argv[2];
  if (!file) {
    console.error('usage: top-frames.ts <file.cpuprofile> [count]');
    process.exit(2);
  }
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  console.log('| self % of wall | frame |\n|---|---|');
  for (const r of topFrames(profile, Number(process.argv[3] ?? 15))) console.log(`| ${r.selfPct.toFixed(1)} | \`${r.frame}\` |`);
  console.log('\n| % of busy time | where |\n|---|---|');
  for (const r of byPackage(profile)) console.log(`| ${r.busyPct.toFixed(1)} | ${r.where} |`);
}
