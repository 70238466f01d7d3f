import type { ArenaRules } from '../../shared/rules/arena';
import type { Logger } from '../common/logger';
import type { TokenService } from '../common/tokens';
import type { CheckpointStore } from '../stores';
import type { ResultsOutbox } from './outbox';
import type { ArenaCreateOptions } from '../cluster/seats';
import type { StoreLease } from '../cluster/lease';

/**
 * Everything an arena room needs from the process that hosts it. Colyseus
 * constructs rooms itself, so this is bound to the room class at registration
 * (see `bindArenaRoom`) rather than passed per room.
 */
export interface ArenaContext {
  nodeId: string;
  pid: number;
  startedAt: number;
  /** `host:port` clients connect to. */
  address: string;
  tickRate: number;
  rules: ArenaRules;
  tokens: TokenService;
  /** This node's outbox of finished matches (null: results go nowhere). */
  results: ResultsOutbox | null;
  log: Logger;
  /** Called with each room step's duration in ms (the tick histogram). */
  observeTick?: (ms: number) => void;
  /** Called with how late (ms) each step started against its schedule. */
  observeLateness?: (ms: number) => void;
  /** Where checkpointed rooms keep snapshots (null: this process hosts stateful rooms only). */
  checkpoints: CheckpointStore | null;
  /** Milliseconds between two snapshots of a checkpointed room. */
  checkpointMs: number;
  checkpointMetrics?: {
    saved(bytes: number, ms: number): void;
    refused(): void;
    restored(ms: number): void;
  };
  /**
   * This node's hold on its checkpointed rooms (renewed by each acknowledged
   * heartbeat); a copy stops playing when it lapses. Always held without a store.
   */
  lease: Pick<StoreLease, 'held' | 'ageMs'>;
  /**
   * False only in the lab's FENCING=off mode: copies ignore the lease and play on, split brain and all.
   * Read on every frame and every result: the supervisor's toggle (POST /fencing) switches it at runtime.
   */
  fencing: boolean;
  /**
   * Creates a room on another live game node, never this one (a drain hands its
   * checkpointed rooms over through it): see `createOnLiveNode`.
   */
  createElsewhere: (options: ArenaCreateOptions) => Promise<void>;
  /** Rooms alive in this process (for drain). */
  rooms: Set<{ drain(): Promise<void> }>;
}
