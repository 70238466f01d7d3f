import type { Logger } from './logger';

/** How long a shutdown may take past its drain before the process exits anyway (the supervisor's own grace is 5 s). */
export const CLOSE_LIMIT_MS = 5000;

export interface ShutdownOptions {
  /** How long a shutdown for `reason` may take in all before the process exits anyway (default {@link CLOSE_LIMIT_MS}). */
  limitMs?: (reason: string) => number;
}

/**
 * SIGINT stops at once (Ctrl-C, the supervisor's own shutdown); SIGTERM asks
 * for a drain first (a rolling restart, `npm run chaos -- drain`).
 * Ties a child process's life to its supervisor: when the IPC channel closes
 * (the supervisor exited, even by SIGKILL) the child shuts down instead of
 * lingering as an orphan. Also routes SIGINT/SIGTERM to one clean shutdown.
 * A shutdown never hangs: past `limitMs` (or {@link CLOSE_LIMIT_MS} after the
 * supervisor went away mid-shutdown, since nobody is left to kill it) the
 * process logs what it was doing and exits with 1.
 */
export function onShutdown(log: Logger, shutdown: (reason: string) => Promise<void>, options: ShutdownOptions = {}): void {
  let closing: string | null = null;
  const giveUp = (afterMs: number, why: string) => setTimeout(() => {
    log.error({ reason: closing, afterMs }, `shutdown did not finish ${why}: exiting anyway`);
    process.exit(1);
  }, afterMs).unref();
  const run = (reason: string) => {
    if (closing !== null) {
      if (reason === 'supervisor gone') giveUp(CLOSE_LIMIT_MS, 'after the supervisor went away');
      return;
    }
    closing = reason;
    log.info({ reason }, 'shutting down');
    giveUp(options.limitMs?.(reason) ?? CLOSE_LIMIT_MS, 'in time');
    shutdown(reason).then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err }, 'unclean shutdown');
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => run('SIGINT'));
  process.once('SIGTERM', () => run('SIGTERM'));
  if (process.connected) process.once('disconnect', () => run('supervisor gone'));
}

/** Tells the supervisor (if any) that this process is serving. */
export function notifyReady(info: Record<string, unknown> = {}): void {
  process.send?.({ type: 'ready', pid: process.pid, ...info });
}
