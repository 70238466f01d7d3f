import type { Redis } from 'ioredis';
import type { MatchResult } from '../../shared/protocol';
import { summarize, type Summary } from '../../shared/stats';
import { KEY_PREFIX, createRedis, redisReady } from '../../server/common/redis';
import { checkpointKey } from '../../server/stores/checkpoints-redis';
import { RESULTS_WAIT_REPLICAS as RESULTS_WAIT, RedisLeaderboardStore } from '../../server/stores/leaderboard-redis';
import { sentinelPrimaryPort, type SentinelStore } from '../../server/supervisor/sentinel';

// What the store-failover scenario measures beyond the bots: the store's own view. Every
// connection comes from the one factory; the probes go through Sentinel as the processes do,
// the checkpoint reads go to one server each (we want that server's copy, not whoever is primary).

/** The probes' pace: a write every ~20 ms, a synthetic result every ~5 ms per writer. */
const PROBE_MS = 20;
const WRITER_MS = 5;

/** A checkpoint as one server holds it. */
export interface CheckpointMark { tick: number; savedAt: number; epoch: number }

/** What the store-failover run measured of the store itself. Times are ms after the kill. */
export interface FailoverResult {
  /** A Sentinel naming another server primary. */
  promotedMs: number | null;
  /** The first write through Sentinel issued after the kill and accepted. */
  writesBackMs: number | null;
  /** The probe's writes: attempted after the kill until accepted again, and how many failed. */
  probeWritesFailed: number;
  /** Per checkpointed room: the old primary's tick just before the kill vs what the replica held (promoted). */
  checkpoints: { rooms: number; roomsBehind: number; roomsMissing: number; snapshotsLost: number; ticksLost: number } | null;
  /** Synthetic results written through Sentinel around the kill, without and with WAIT: acknowledged, then missing after the failover. */
  results: { off: WriterTally; on: WriterTally };
  /** Replication offsets: what the primary had sent vs what the replica had, just before and after the kill (bytes). */
  replicationLagBytes: number | null;
}

export interface WriterTally {
  acknowledged: number;
  /** Acknowledged before the kill and not on the promoted replica. */
  lost: number;
  failed: number;
  latencyMs: Summary;
}

/** What WAIT costs one result connection: sequential latency and throughput with 8 in flight, without and with it. */
export interface WaitCost {
  latencyMs: { off: Summary; on: Summary };
  opsPerSec: { off: number; on: number };
}

async function connected(url: string, role: string): Promise<Redis> {
  const redis = createRedis(url, { role, failFast: true });
  await redisReady(redis, 5000);
  return redis;
}

const server = (port: number) => `redis://127.0.0.1:${port}`;

function syntheticResult(id: string, i: number): MatchResult {
  // One player per match, never a bot: checkLeaderboard reads the bots' totals only.
  return { matchId: id, match: i, standings: [{ playerId: `xp-${id}`, name: 'probe', score: 1 }] };
}

/** Sequential latency (300 records each way, interleaved) and 1 s of 8-in-flight throughput each way. */
export async function measureWaitCost(storeUrl: string, tag: string): Promise<WaitCost> {
  const conns = [await connected(storeUrl, 'experiment:wait-off'), await connected(storeUrl, 'experiment:wait-on')];
  try {
    const [off, on] = [new RedisLeaderboardStore(conns[0]!), new RedisLeaderboardStore(conns[1]!, Date.now, { waitReplicas: RESULTS_WAIT })];
    const lat = { off: [] as number[], on: [] as number[] };
    let n = 0;
    const once = async (store: RedisLeaderboardStore) => {
      const t = performance.now();
      await store.recordMatch(syntheticResult(`wc-${tag}-${n++}`, n));
      return performance.now() - t;
    };
    for (let i = 0; i < 300; i++) {
      lat.off.push(await once(off));
      lat.on.push(await once(on));
    }
    const throughput = async (store: RedisLeaderboardStore) => {
      const end = performance.now() + 1000;
      let done = 0;
      await Promise.all(Array.from({ length: 8 }, async () => {
        while (performance.now() < end) {
          await once(store);
          done++;
        }
      }));
      return done;
    };
    return { latencyMs: { off: summarize(lat.off), on: summarize(lat.on) }, opsPerSec: { off: await throughput(off), on: await throughput(on) } };
  } finally {
    for (const c of conns) c.disconnect();
  }
}

/**
 * Started before the kill: a writer of one key every ~20 ms (when are writes accepted again) and two
 * result writers, without and with WAIT, each recording a synthetic match every ~5 ms.
 */
export async function startFailoverProbes(storeUrl: string, tag: string) {
  const probe = await connected(storeUrl, 'experiment:write-probe');
  let running = true;
  const writes: { start: number; end: number; ok: boolean }[] = [];
  const probeLoop = (async () => {
    for (let i = 0; running; i++) {
      const start = Date.now();
      const ok = await probe.set(`${KEY_PREFIX}experiment:failover`, String(i)).then(() => true, () => false);
      writes.push({ start, end: Date.now(), ok });
      await new Promise((r) => setTimeout(r, PROBE_MS)); // the probe's pace, not a wait for an event
    }
  })();
  const writers = await Promise.all((['off', 'on'] as const).map(async (kind) => {
    const redis = await connected(storeUrl, `experiment:results-${kind}`);
    const store = new RedisLeaderboardStore(redis, Date.now, kind === 'on' ? { waitReplicas: RESULTS_WAIT } : {});
    const acked: { id: string; at: number; ms: number }[] = [];
    let failed = 0;
    const loop = (async () => {
      for (let i = 0; running; i++) {
        const id = `fo-${tag}-${kind}-${i}`;
        const t = performance.now();
        await store.recordMatch(syntheticResult(id, i)).then(() => acked.push({ id, at: Date.now(), ms: performance.now() - t }), () => failed++);
        await new Promise((r) => setTimeout(r, WRITER_MS));
      }
    })();
    return { kind, redis, acked, loop, failed: () => failed };
  }));
  return {
    /** Whether a write issued after `killedAt` was accepted. */
    accepted: (killedAt: number): boolean => writes.some((w) => w.ok && w.start >= killedAt),
    /** Stops the probes and tallies, through Sentinel (the promoted primary), what was acknowledged before `killedAt` and is missing. */
    async finish(killedAt: number): Promise<Pick<FailoverResult, 'writesBackMs' | 'probeWritesFailed' | 'results'>> {
      running = false;
      await Promise.all([probeLoop, ...writers.map((w) => w.loop)]);
      const back = writes.find((w) => w.ok && w.start >= killedAt);
      const tallies = await Promise.all(writers.map(async (w): Promise<WriterTally> => {
        const before = w.acked.filter((a) => a.at <= killedAt);
        const exists = before.length ? await w.redis.pipeline(before.map((a) => ['exists', `${KEY_PREFIX}lb:match:${a.id}`])).exec() : [];
        const lost = (exists ?? []).filter(([err, n]) => !err && Number(n) === 0).length;
        return { acknowledged: w.acked.length, lost, failed: w.failed(), latencyMs: summarize(w.acked.map((a) => a.ms)) };
      }));
      probe.disconnect();
      for (const w of writers) w.redis.disconnect();
      return {
        writesBackMs: back ? back.end - killedAt : null,
        probeWritesFailed: writes.filter((w) => !w.ok && w.end >= killedAt).length,
        results: { off: tallies[0]!, on: tallies[1]! },
      };
    },
    stop(): void {
      running = false;
      probe.disconnect();
      for (const w of writers) w.redis.disconnect();
    },
  };
}

/** Every checkpointed room's tick, savedAt and epoch on one server, in one round trip per question. */
export async function readCheckpoints(port: number, roomIds?: string[]): Promise<{ marks: Map<string, CheckpointMark>; offset: number }> {
  const redis = await connected(server(port), 'experiment:ckpt-read');
  try {
    const ids = roomIds ?? await redis.smembers(`${KEY_PREFIX}ckpt:rooms`);
    const [replies, info] = await Promise.all([
      ids.length ? redis.pipeline(ids.map((id) => ['hmget', checkpointKey(id), 'tick', 'savedAt', 'epoch'])).exec() : Promise.resolve([]),
      redis.info('replication'),
    ]);
    const marks = new Map<string, CheckpointMark>();
    ids.forEach((id, i) => {
      const [err, fields] = (replies ?? [])[i] ?? [null, null];
      const [tick, savedAt, epoch] = (err ? [] : fields as (string | null)[]);
      if (tick != null) marks.set(id, { tick: Number(tick), savedAt: Number(savedAt), epoch: Number(epoch) });
    });
    // A primary reports what it has sent (master_repl_offset), a replica what it has applied (slave_repl_offset).
    const offset = Number(/(?:slave|master)_repl_offset:(\d+)/.exec(info)?.[1] ?? Number.NaN);
    return { marks, offset };
  } finally {
    redis.disconnect();
  }
}

/** The old primary's marks against the promoted replica's: rooms behind or missing, snapshots and ticks lost. */
export function checkpointsLost(acked: Map<string, CheckpointMark>, held: Map<string, CheckpointMark>, ticksPerCheckpoint: number): NonNullable<FailoverResult['checkpoints']> {
  const out = { rooms: acked.size, roomsBehind: 0, roomsMissing: 0, snapshotsLost: 0, ticksLost: 0 };
  for (const [id, a] of acked) {
    const h = held.get(id);
    if (!h) {
      out.roomsMissing++;
      out.snapshotsLost += Math.max(1, Math.round(a.tick / ticksPerCheckpoint));
      out.ticksLost += a.tick;
    } else if (h.tick < a.tick) {
      out.roomsBehind++;
      out.snapshotsLost += Math.max(1, Math.round((a.tick - h.tick) / ticksPerCheckpoint));
      out.ticksLost += a.tick - h.tick;
    }
  }
  return out;
}

/** The port a live Sentinel names primary. */
export async function primaryPort(store: SentinelStore): Promise<number> {
  for (const s of store.members().filter((m) => m.role === 'sentinel' && m.state === 'alive')) {
    const port = await sentinelPrimaryPort(s.port).catch(() => null);
    if (port !== null) return port;
  }
  throw new Error('no Sentinel names a primary');
}

/** Polls the Sentinels every 20 ms until one names a primary other than `oldPort`; epoch ms, or null after `timeoutMs`. */
export async function promotion(store: SentinelStore, oldPort: number, timeoutMs: number): Promise<number | null> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await primaryPort(store).then((p) => p !== oldPort, () => false)) return Date.now();
    await new Promise((r) => setTimeout(r, 20));
  }
  return null;
}
