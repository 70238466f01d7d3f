import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TICKS_PER_SECOND = 100; // USER_HZ: 100 on every Linux this runs on

/** CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may contain spaces) start after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

/** Measures a process's CPU use over a window: call `stop()` for cores used (1.0 = one core busy). */
export function cpuMeter(pid: number): { stop(): { cores: number; cpuSeconds: number; wallSeconds: number } } {
  const cpu0 = cpuSeconds(pid);
  const t0 = performance.now();
  return {
    stop() {
      const cpu = cpuSeconds(pid) - cpu0;
      const wall = (performance.now() - t0) / 1000;
      return { cores: cpu / wall, cpuSeconds: cpu, wallSeconds: wall };
    },
  };
}

/**
 * Starts a TypeScript entry (relative to the repo root) under tsx and resolves
 * with the first line it prints on stdout, parsed as JSON.
 */
export async function spawnTs<T>(entry: string, args: string[], env: Record<string, string> = {}): Promise<{ child: ChildProcess; hello: T }> {
  const child = spawn(process.execPath, ['--import', 'tsx', entry, ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  const hello = await new Promise<T>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${entry} exited (${code}) before it was ready`)));
    createInterface({ input: child.stdout! }).once('line', (line) => {
      try {
        resolve(JSON.parse(line) as T);
      } catch (err) {
        reject(err);
      }
    });
  });
  return { child, hello };
}

export async function stopChild(child: ChildProcess | null | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
  await exited;
  clearTimeout(timer);
}
