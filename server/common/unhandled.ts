import type { Logger } from './logger';

let count = 0;
let installed = false;

/**
 * Installs the process-wide last resort for a promise nobody handled: log it
 * loudly and count it (`statecraft_unhandled_rejections_total` on /metrics)
 * instead of letting Node exit. Nothing may rely on it: every promise on a
 * timer or event path has its own handler, and the fault tests assert the
 * count stays 0.
 */
export function watchUnhandledRejections(log: Logger): void {
  if (installed) return;
  installed = true;
  process.on('unhandledRejection', (reason) => {
    count++;
    log.error({ err: reason, total: count }, 'unhandled promise rejection (a bug: every promise needs its own handler)');
  });
}

/** Unhandled rejections seen by this process so far. */
export function unhandledRejections(): number {
  return count;
}
