import type { Logger } from './logger';

/**
 * SIGINT stops at once (Ctrl-C, the supervisor's own shutdown); SIGTERM asks
 * for a drain first (a rolling restart, `npm run chaos -- drain`).
 * Ties a child process's life to its supervisor: when the IPC channel closes
 * (the supervisor exited, even by SIGKILL) the child shuts down instead of
 * lingering as an orphan. Also routes SIGINT/SIGTERM to one clean shutdown.
 */
export function onShutdown(log: Logger, shutdown: (reason: string) => Promise<void>): void {
  let closing = false;
  const run = (reason: string) => {
    if (closing) return;
    closing = true;
    log.info({ reason }, 'shutting down');
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
