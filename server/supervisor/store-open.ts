import type { Config } from '../common/config';
import { parseStoreAddress } from '../common/redis';
import { readPersistence, redisAnswers, redisServerInstalled, startRedisServer } from './redis';
import { SentinelStore } from './sentinel';
import { ManagedStore, type SupervisedStore } from './store';

/** The store `npm start` settled on, and what its startup table says about it. */
export interface OpenedStore {
  store: SupervisedStore | null;
  /** What every process connects to; null = one-process mode (nothing answers, nothing to start). */
  redisUrl: string | null;
  /** Set when the store paths cannot go through fault points, with the reason (for the table and the control endpoint). */
  faultPointsOff: string | null;
  /** Null when the store keeps its data across a restart; otherwise what is lost (read from the live server). */
  persistenceWarning: string | null;
}

/** Why the replicated store has no fault points on its paths. */
export const SENTINEL_NO_FAULT_POINTS = 'The store is found through Sentinel, which hands every client the primary\'s own address, so the store paths '
  + 'cannot go through fault points: no network faults (partition, isolate, slow) with --store ha. Its faults are kill/restart redis-primary.';

/**
 * Picks the store: with `ha` (`--store ha`, STORE=ha|sentinel) a replicated store of its own in
 * `dataDir/redis-ha`; otherwise whatever answers at REDIS_URL (external: not ours to fail), else a
 * `redis-server` of its own in `dataDir/redis` when REDIS_URL is on this machine, else nothing.
 */
export async function openStore(config: Config, options: { ha: boolean; dataDir: string; say: (line: string) => void }): Promise<OpenedStore> {
  const { say } = options;
  if (options.ha) {
    const dir = `${options.dataDir}/redis-ha`;
    say(`Starting a replicated store: a primary, one replica and three Sentinels (data in ${dir}, kept across restarts)`);
    const store = await SentinelStore.start(dir);
    return { store, redisUrl: store.url, faultPointsOff: SENTINEL_NO_FAULT_POINTS, persistenceWarning: null };
  }
  const redisUrl = config.REDIS_URL || null;
  if (!redisUrl) return { store: null, redisUrl: null, faultPointsOff: null, persistenceWarning: null };
  const sentinel = parseStoreAddress(redisUrl).kind === 'sentinel';
  if (await redisAnswers(redisUrl)) {
    const persistence = await readPersistence(redisUrl);
    return {
      store: ManagedStore.external(redisUrl), redisUrl,
      faultPointsOff: sentinel ? SENTINEL_NO_FAULT_POINTS : null,
      persistenceWarning: persistence ? persistence.warning : 'persistence unknown (CONFIG GET refused): leaderboards may not survive its restart',
    };
  }
  const url = sentinel ? null : new URL(redisUrl);
  if (url && redisServerInstalled() && ['localhost', '127.0.0.1'].includes(url.hostname)) {
    const dir = `${options.dataDir}/redis`;
    say(`No Redis at ${redisUrl}: starting redis-server (data in ${dir}, append-only file synced every second, kept across restarts)`);
    return { store: ManagedStore.started(redisUrl, await startRedisServer(Number(url.port || 6379), dir), dir), redisUrl, faultPointsOff: null, persistenceWarning: null };
  }
  say(`No Redis answers at ${redisUrl}${sentinel ? '' : ' and redis-server is not installed'}.`);
  return { store: null, redisUrl: null, faultPointsOff: null, persistenceWarning: null };
}
