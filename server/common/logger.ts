import { pino, type Logger } from 'pino';

export type { Logger };

/** The one logger factory: JSON lines on stdout, tagged with the process's role and id. */
export function createLogger(name: string, level = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({ name, level, base: { pid: process.pid } });
}
