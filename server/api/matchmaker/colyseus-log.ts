import { setLogger } from '@colyseus/core/Logger';
import type { Logger } from '../../common/logger';

/**
 * Colyseus's log lines, through our logger. Its Redis presence warns on every
 * failed reconnect (four a second during a store outage); the API's store
 * watch already says once that the store is gone, so those are debug here.
 */
export function routeColyseusLogs(log: Logger): void {
  const child = log.child({ component: 'colyseus' });
  const text = (args: unknown[]): string => args.map((a) => (a instanceof Error ? a.message : String(a))).join(' ');
  setLogger({
    trace: (...args: unknown[]) => child.trace(text(args)),
    debug: (...args: unknown[]) => child.debug(text(args)),
    info: (...args: unknown[]) => child.info(text(args)),
    warn: (...args: unknown[]) => {
      const line = text(args);
      if (/connection error|re-subscribe/.test(line)) child.debug(line);
      else child.warn(line);
    },
    error: (...args: unknown[]) => child.error(text(args)),
  });
}
