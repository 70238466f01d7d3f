import type { ArenaRules } from '../../shared/rules/arena';
import type { MatchResult, RoomMode } from '../../shared/protocol';
import type { Logger } from '../common/logger';
import type { TokenService } from '../common/tokens';

/** Where finished matches go (the leaderboard). Must be idempotent per `matchId`. */
export interface ResultsSink {
  record(result: MatchResult): Promise<void>;
}

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
  results: ResultsSink | null;
  log: Logger;
  /** Called with each room step's duration in ms (the tick histogram). */
  observeTick?: (ms: number) => void;
  /** Modes this process can host. */
  modes: readonly RoomMode[];
}
