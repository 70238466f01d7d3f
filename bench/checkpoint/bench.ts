import { Redis } from 'ioredis';
import { ROOM_MODES, type RoomMode } from '../../shared/protocol';
import { KEY_PREFIX } from '../../server/common/redis';
import { sleep } from '../../server/bots/bot';
import { LoadedGameNode, type GameNodeRun } from '../gamenode/bench';
import type { Samples } from '../support/prometheus';

export const CHECKPOINT_SIZES = [2, 8, 16];

export interface CheckpointCase {
  players: number;
  rooms: number;
  /** Server CPU per room, ms per second, in each mode. */
  cpuPerRoomMs: Record<RoomMode, number>;
  checkpointsPerSec: number;
  /** Mean size of one checkpoint (the encoded state), bytes. */
  bytesPerCheckpoint: number;
  /** Mean time to encode and write one (fenced), wall ms: mostly the Redis round trip. */
  writeMsPerCheckpoint: number;
  /** Extra server CPU of the checkpointed room over the stateful one, per checkpoint, ms. */
  cpuMsPerCheckpoint: number;
  /** MEMORY USAGE of a room's checkpoint hash, bytes (mean over rooms). */
  redisBytesPerRoom: number;
  runs: Record<RoomMode, GameNodeRun>;
}

const delta = (a: Samples, b: Samples, key: string) => (b.get(key) ?? 0) - (a.get(key) ?? 0);
const metric = (samples: Samples, name: string) => [...samples.keys()].find((k) => k === name || k.startsWith(`${name}{`)) ?? name;

/** Rooms of 2, 8 and 16 players, stateful and checkpointed: what a checkpoint costs as rooms grow. */
export async function benchCheckpoints(options: { rooms: number; warmupMs: number; windowMs: number; log: (line: string) => void }): Promise<CheckpointCase[]> {
  const out: CheckpointCase[] = [];
  for (const players of CHECKPOINT_SIZES) {
    const runs = {} as Record<RoomMode, GameNodeRun>;
    let bytes = 0;
    let writes = 0;
    let writeSeconds = 0;
    let redisBytes = 0;
    for (const mode of ROOM_MODES) {
      const node = new LoadedGameNode(mode, players, (line) => options.log(`checkpoints ${players}p: ${line}`));
      try {
        await node.start();
        await node.addPlayers(options.rooms * players);
        await sleep(options.warmupMs);
        const before = await node.scrape();
        runs[mode] = await node.measure(options.windowMs);
        const after = await node.scrape();
        if (mode === 'checkpointed') {
          writes = delta(before, after, metric(after, 'statecraft_checkpoint_bytes_count'));
          bytes = delta(before, after, metric(after, 'statecraft_checkpoint_bytes_sum'));
          writeSeconds = delta(before, after, metric(after, 'statecraft_checkpoint_write_seconds_sum'));
          redisBytes = await checkpointMemory(node.stack.redisUrl);
        }
      } finally {
        await node.stop();
      }
    }
    const seconds = options.windowMs / 1000;
    const perSec = writes / seconds;
    const cpuPerRoomMs = (r: GameNodeRun) => (r.cores * 1000) / Math.max(1, r.rooms);
    out.push({
      players,
      rooms: runs.checkpointed.rooms,
      cpuPerRoomMs: { stateful: cpuPerRoomMs(runs.stateful), checkpointed: cpuPerRoomMs(runs.checkpointed) },
      checkpointsPerSec: perSec,
      bytesPerCheckpoint: writes ? bytes / writes : Number.NaN,
      writeMsPerCheckpoint: writes ? (writeSeconds / writes) * 1000 : Number.NaN,
      cpuMsPerCheckpoint: perSec ? ((runs.checkpointed.cores - runs.stateful.cores) * 1000) / perSec : Number.NaN,
      redisBytesPerRoom: redisBytes,
      runs,
    });
  }
  return out;
}

/** Mean MEMORY USAGE of the rooms' checkpoint hashes (not the index or the restore leases). */
async function checkpointMemory(url: string): Promise<number> {
  const redis = new Redis(url, { lazyConnect: false, maxRetriesPerRequest: 1 });
  try {
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await redis.scan(cursor, 'MATCH', `${KEY_PREFIX}ckpt:*`, 'COUNT', 1000);
      cursor = next;
      keys.push(...batch.filter((k) => k !== `${KEY_PREFIX}ckpt:rooms`));
    } while (cursor !== '0');
    if (keys.length === 0) return Number.NaN;
    const sizes = await Promise.all(keys.map((k) => redis.call('MEMORY', 'USAGE', k, 'SAMPLES', '0') as Promise<number | null>));
    return sizes.reduce<number>((a, b) => a + (b ?? 0), 0) / keys.length;
  } finally {
    redis.disconnect();
  }
}
