import { z } from 'zod';
import type { ErrorCode } from './errors';

/** Name of the arena room type, as registered on every game node. */
export const ARENA_ROOM = 'arena';

/** Room modes: how the room's state relates to the node that hosts it. */
export const ROOM_MODES = ['stateful', 'checkpointed'] as const;
export type RoomMode = (typeof ROOM_MODES)[number];

const axis = z.union([z.literal(-1), z.literal(0), z.literal(1)]);

/** Client → server messages, each with the validator the room applies at its edge. */
export const ClientMessages = {
  /** One fixed step of movement intent. The client never sends positions. */
  input: z.strictObject({
    seq: z.number().int().min(1).max(0xffffffff),
    dx: axis,
    dy: axis,
  }),
  /** Application-level heartbeat: the server echoes `t` back at once. */
  ping: z.strictObject({ t: z.number().finite() }),
} as const;

export type ClientMessageType = keyof typeof ClientMessages;
export type InputMessage = z.infer<typeof ClientMessages.input>;
export type PingMessage = z.infer<typeof ClientMessages.ping>;

/** Where a session lives: sent by the host node to each client on join. */
export interface NodeInfo {
  nodeId: string;
  pid: number;
  /** Epoch ms when the node process started. */
  startedAt: number;
  address: string;
  roomId: string;
  mode: RoomMode;
  tickRate: number;
  /** Fencing epoch of this copy of a checkpointed room (null for stateful rooms). */
  epoch: number | null;
  /** Set when this copy was restored from a checkpoint after its previous host died or drained. */
  restoredFrom: { nodeId: string; tick: number; savedAt: number } | null;
}

/**
 * The application heartbeat every client (browser and bots) runs against its
 * host. A live host is never quiet for more than `keepaliveMs`: it sends a state
 * patch every tick (20 Hz) while the match plays, and `alive` while it does not
 * (paused for the store, fenced, handing off: no step, so no patch). Any message
 * is a sign of life: checked every `checkMs`, no message for `silenceMs` (four
 * keepalives missed in a row) means the host is frozen or cut off (TCP cannot
 * tell: a SIGSTOPped host keeps its sockets open). Worst case 1.1 s, under the
 * 1.5 s promised, and before the cluster's own verdict (a heartbeat key lapses
 * 1.0-1.2 s after the host's last beat), so a frozen room's players ask for it
 * as it is restored: a client that suspects a live host gets a seat on that host
 * again. Load alone does not stall a host that long (the worst tick lateness
 * p99 measured at 1000 players was 428 ms, on the slowest machine of these
 * runs); a whole machine starved does (a browser page loading beside the
 * cluster on 2 cores held a node back 0.8-1.1 s), and its players then rejoin
 * it. Pings, every `pingMs`, only measure the round trip shown in the HUD.
 */
export const HEARTBEAT = { pingMs: 1000, checkMs: 100, keepaliveMs: 250, silenceMs: 1000 } as const;

/** Close codes the game nodes use beyond Colyseus's own. */
export const CloseCodes = {
  /** The room moved to another node (drain hand-off, or this copy was stale): rejoin it through the API. */
  moved: 4100,
  /** The node is shutting down and the room is not coming back. */
  drained: 4101,
  /** The same player opened this room again (another tab, a script): this older connection is closed. */
  openedElsewhere: 4102,
  /**
   * Never on the wire: the code a client records when it drops a host that went
   * silent (see {@link HEARTBEAT}), since a frozen host sends no close frame.
   * 4000 + HTTP 408 (Request Timeout); Colyseus's own codes stop at 4010.
   */
  silent: 4408,
} as const;

/** Why a room told its players to go elsewhere. */
export interface MovedNotice {
  roomId: string;
  reason: 'drain' | 'stale-copy';
}

/**
 * Where the room stands with the store, from its host: sent when it changes,
 * every second while the store is unreachable, and to each player who joins
 * meanwhile. A stateful room plays on (its state is the node's memory); a
 * checkpointed room pauses, because its host cannot tell a store outage from
 * its own partition, and playing on could split the match in two.
 */
export interface StoreNotice {
  store: 'ok' | 'unreachable';
  /** Milliseconds since this room's last acknowledged checkpoint (null: a stateful room never saves). */
  unsavedMs: number | null;
  /** True while the room is paused because it cannot save. */
  paused: boolean;
}

/**
 * Whether a finished match's results are in the store yet (the host's outbox
 * retries while it is unreachable). 'stale': refused, because this copy of the
 * room was no longer the live one when it ended the match (another copy holds
 * the room's epoch; only that copy's results count).
 */
export interface RecordedNotice {
  matchId: string;
  status: 'recorded' | 'waiting' | 'stale';
}

/** Final standings of one match, broadcast when it ends. */
export interface MatchResult {
  matchId: string;
  match: number;
  standings: { playerId: string; name: string; score: number }[];
}

/** Server → client messages. */
export interface ServerMessages {
  node: NodeInfo;
  pong: { t: number; serverTime: number };
  error: ProtocolError;
  results: MatchResult;
  moved: MovedNotice;
  /** The host is draining: this match is the last one here. */
  draining: { nodeId: string };
  store: StoreNotice;
  recorded: RecordedNotice;
  /** Sent when the host has had no patch to send for `HEARTBEAT.keepaliveMs` (see {@link HEARTBEAT}). */
  alive: Record<string, never>;
}

export interface ProtocolError {
  code: ErrorCode;
  message: string;
}

/** Join options a client passes to the matchmaker. */
export const JoinOptions = z.strictObject({
  name: z.string().trim().min(1).max(16).regex(/^[\p{L}\p{N} _.-]+$/u, 'letters, digits, space, _ . - only'),
  mode: z.enum(ROOM_MODES).default('stateful'),
  /** Seats per room; rooms are matched on it (see the `filterBy` at registration). */
  maxPlayers: z.number().int().min(2).max(16).optional(),
  /** Access token from the API (required once the API exists; optional in embedded mode). */
  token: z.string().max(4096).optional(),
});
export type JoinOptions = z.infer<typeof JoinOptions>;
