import { matchMaker } from '@colyseus/core';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { registerHeapLiveGauge } from '../common/heap-gauge';
import { unhandledRejections } from '../common/unhandled';

/** Prometheus metrics of one game node (process defaults included), served at GET /metrics on its port (see edge.ts). */
export function createGameMetrics(nodeId: string) {
  const registry = new Registry();
  registry.setDefaultLabels({ node: nodeId });
  collectDefaultMetrics({ register: registry });
  registerHeapLiveGauge(registry);
  new Gauge({
    name: 'statecraft_rooms', help: 'Rooms hosted by this node', registers: [registry],
    collect() { this.set(matchMaker.stats.local.roomCount); },
  });
  new Gauge({
    name: 'statecraft_players', help: 'Players connected to this node', registers: [registry],
    collect() { this.set(matchMaker.stats.local.ccu); },
  });
  const tick = new Histogram({
    name: 'statecraft_tick_duration_seconds', help: 'Time to simulate one fixed step of one room', registers: [registry],
    // A room of 10 steps in ~20-50 µs: the finer buckets at the bottom make p50 a measurement, not "under 0.1 ms".
    buckets: [0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05],
  });
  const lateness = new Histogram({
    name: 'statecraft_tick_lateness_seconds', help: 'How late each room step started against its fixed schedule', registers: [registry],
    // Fine around the 10 ms target and the 50 ms tick (the capacity curve's knee), up to a stall.
    buckets: [0.0005, 0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.03, 0.05, 0.075, 0.1, 0.25, 1],
  });
  const snapshotBytes = new Histogram({
    name: 'statecraft_checkpoint_bytes', help: 'Size of one checkpoint of a room', registers: [registry],
    buckets: [256, 512, 1024, 2048, 4096, 8192, 16384],
  });
  const snapshotWrite = new Histogram({
    name: 'statecraft_checkpoint_write_seconds', help: 'Time to encode and write one checkpoint (fenced)', registers: [registry],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1],
  });
  const refused = new Counter({ name: 'statecraft_checkpoint_refused_total', help: 'Checkpoint writes refused by the fence (stale copies)', registers: [registry] });
  const restores = new Histogram({
    name: 'statecraft_restore_seconds', help: 'Time to restore a room from its checkpoint on this node', registers: [registry],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
  });
  new Counter({
    name: 'statecraft_unhandled_rejections_total', help: 'Promises nobody handled (each is a bug; the fault tests assert 0)', registers: [registry],
    collect() { this.reset(); this.inc(unhandledRejections()); },
  });
  // Checkpoints that stopped (a store outage, the room paused) and started again: when, and after how long.
  // A gap is a second without any save on this node, while its checkpointed rooms save every 250 ms.
  const resumedAt = new Gauge({
    name: 'statecraft_checkpoint_resumed_timestamp_seconds', registers: [registry],
    help: 'Wall time (epoch s) of the first checkpoint saved after a gap of at least 1 s (0: none yet); experiments subtract the store\'s return',
  });
  const gap = new Gauge({ name: 'statecraft_checkpoint_gap_seconds', help: 'Length of the last gap between two checkpoints saved on this node', registers: [registry] });
  resumedAt.set(0);
  gap.set(0);
  let lastSaved: number | null = null;
  const health = { resultsPending: () => 0, leaseAgeMs: () => 0 };
  new Gauge({
    name: 'statecraft_results_pending', help: 'Finished matches waiting in this node\'s outbox for the store', registers: [registry],
    collect() { this.set(health.resultsPending()); },
  });
  new Gauge({
    name: 'statecraft_store_lease_age_seconds', help: 'Time since the store last acknowledged this node\'s heartbeat', registers: [registry],
    collect() { this.set(health.leaseAgeMs() / 1000); },
  });
  return {
    registry,
    /** Where the gauges above read from (set once the node has its outbox and lease). */
    health,
    checkpoints: {
      saved: (bytes: number, ms: number) => {
        snapshotBytes.observe(bytes);
        snapshotWrite.observe(ms / 1000);
        const now = Date.now();
        if (lastSaved !== null && now - lastSaved >= 1000) {
          resumedAt.set(now / 1000);
          gap.set((now - lastSaved) / 1000);
        }
        lastSaved = now;
      },
      refused: () => refused.inc(),
      restored: (ms: number) => restores.observe(ms / 1000),
    },
    /** Records one room step's duration in milliseconds. */
    observeTick: (ms: number) => tick.observe(ms / 1000),
    observeLateness: (ms: number) => lateness.observe(ms / 1000),
    text: async () => ({ body: await registry.metrics(), contentType: registry.contentType }),
  };
}
