const LEVELS: Record<number, string> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
const HIDDEN = new Set(['level', 'time', 'pid', 'hostname', 'name', 'msg', 'reqId', 'v']);

/** Turns a child's pino JSON line into one short human line; passes other text through. */
export function formatLine(line: string): string {
  if (!line.startsWith('{')) return line;
  try {
    const entry = JSON.parse(line) as Record<string, unknown>;
    const extra = Object.entries(entry)
      .filter(([k]) => !HIDDEN.has(k))
      .map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
      .join(' ');
    const level = typeof entry.level === 'number' && entry.level >= 40 ? `${LEVELS[entry.level]} ` : '';
    return `${level}${String(entry.msg ?? '')}${extra ? `  ${extra}` : ''}`;
  } catch {
    return line;
  }
}
