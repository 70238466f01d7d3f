import { Type, type Static } from 'typebox';
import { ROOM_MODES } from './protocol';

/**
 * The REST API's contract: request and response schemas (TypeBox, so Fastify
 * validates them and the client shares the types). Paths are versioned.
 */

/** Header on every API response naming the instance that served it. */
export const INSTANCE_HEADER = 'x-statecraft-instance';

export const ApiError = Type.Object({
  code: Type.String({ description: 'Stable machine-readable code, e.g. auth/expired' }),
  message: Type.String({ description: 'What went wrong, for a person' }),
  statusCode: Type.Integer(),
});
export type ApiError = Static<typeof ApiError>;

export const PlayerName = Type.String({ minLength: 1, maxLength: 16, pattern: '^[\\p{L}\\p{N} _.-]+$' });

export const GuestLoginBody = Type.Object({ name: PlayerName }, { additionalProperties: false });
export type GuestLoginBody = Static<typeof GuestLoginBody>;

export const Session = Type.Object({
  playerId: Type.String(),
  name: Type.String(),
  accessToken: Type.String(),
  /** Epoch ms. */
  accessTokenExpiresAt: Type.Integer(),
  refreshToken: Type.String(),
});
export type Session = Static<typeof Session>;

export const RefreshBody = Type.Object({ refreshToken: Type.String({ minLength: 16, maxLength: 256 }) }, { additionalProperties: false });
export type RefreshBody = Static<typeof RefreshBody>;

// Type.Enum keeps the tuple: a mapped Type.Union widens to an array and its Static type to `never`.
export const RoomMode = Type.Enum(ROOM_MODES);

export const MatchmakeBody = Type.Object({
  mode: Type.Optional(RoomMode),
  /** Seats per room (2–16, default 16): players asking for the same size share rooms. */
  maxPlayers: Type.Optional(Type.Integer({ minimum: 2, maximum: 16 })),
}, { additionalProperties: false });
export type MatchmakeBody = Static<typeof MatchmakeBody>;

/** A Colyseus seat reservation: pass it to `client.consumeSeatReservation()`. */
export const SeatReservation = Type.Object({
  name: Type.String(),
  sessionId: Type.String(),
  roomId: Type.String(),
  processId: Type.String(),
  publicAddress: Type.Optional(Type.String()),
  reconnectionToken: Type.Optional(Type.String()),
  devMode: Type.Optional(Type.Boolean()),
  protocol: Type.Optional(Type.String()),
}, { additionalProperties: true });
export type SeatReservation = Static<typeof SeatReservation>;

export const MatchmakeResult = Type.Object({
  reservation: SeatReservation,
  mode: RoomMode,
});
export type MatchmakeResult = Static<typeof MatchmakeResult>;

export const RoomIdParams = Type.Object({ roomId: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' }) });
export type RoomIdParams = Static<typeof RoomIdParams>;

/**
 * POST /v1/rooms/:roomId/rejoin (JWT): a seat back in a checkpointed room after
 * its host died. Restores the room on a live node from its newest checkpoint
 * if nobody has yet (exactly one restore, whoever asks first).
 */
export const RejoinResult = Type.Object({
  reservation: SeatReservation,
  mode: RoomMode,
  /** Node now hosting the room. */
  nodeId: Type.String(),
  /** Fencing epoch of the live copy (grows by one per restore). */
  epoch: Type.Integer(),
  /** Tick of the checkpoint the room was restored from (null when it never moved). */
  restoredFromTick: Type.Union([Type.Integer(), Type.Null()]),
});
export type RejoinResult = Static<typeof RejoinResult>;

export const LeaderboardEntry = Type.Object({
  rank: Type.Integer({ minimum: 1 }),
  playerId: Type.String(),
  name: Type.String(),
  score: Type.Integer(),
});
export type LeaderboardEntry = Static<typeof LeaderboardEntry>;

export const LeaderboardPage = Type.Object({
  board: Type.String(),
  entries: Type.Array(LeaderboardEntry),
  /** Pass back as `cursor` for the next page; null on the last page. */
  nextCursor: Type.Union([Type.String(), Type.Null()]),
});
export type LeaderboardPage = Static<typeof LeaderboardPage>;

export const GameNodeStatus = Type.Object({
  id: Type.String(),
  /** Colyseus process id (matchmaking's name for the node). */
  processId: Type.Optional(Type.String()),
  address: Type.String(),
  pid: Type.Integer(),
  startedAt: Type.Integer(),
  rooms: Type.Integer(),
  players: Type.Integer(),
  /** Epoch ms of the newest heartbeat. */
  lastHeartbeat: Type.Integer(),
  state: Type.Union([Type.Literal('alive'), Type.Literal('draining'), Type.Literal('dead')]),
});
export type GameNodeStatus = Static<typeof GameNodeStatus>;

export const RoomStatus = Type.Object({
  id: Type.String(),
  mode: RoomMode,
  nodeId: Type.String(),
  players: Type.Integer(),
});
export type RoomStatus = Static<typeof RoomStatus>;

export const ApiInstanceStatus = Type.Object({
  id: Type.String(),
  pid: Type.Integer(),
  requests: Type.Integer(),
  lastHeartbeat: Type.Integer(),
  alive: Type.Boolean(),
});
export type ApiInstanceStatus = Static<typeof ApiInstanceStatus>;

export const ClusterStatus = Type.Object({
  nodes: Type.Array(GameNodeStatus),
  rooms: Type.Array(RoomStatus),
  apis: Type.Array(ApiInstanceStatus),
  servedBy: Type.String(),
});
export type ClusterStatus = Static<typeof ClusterStatus>;

/**
 * Leaderboards. `score-best` keeps each player's best single-match score,
 * `score-total` the sum of all their matches; `-daily` / `-weekly` are the
 * same for the current UTC day / ISO week. Equal scores rank by playerId
 * (ascending, byte order), so every instance reports the same exact rank.
 */
export const LEADERBOARD_IDS = [
  'score-best', 'score-total',
  'score-best-daily', 'score-total-daily',
  'score-best-weekly', 'score-total-weekly',
] as const;
export type LeaderboardId = (typeof LEADERBOARD_IDS)[number];

export const LeaderboardParams = Type.Object({ board: Type.String({ maxLength: 64 }) });
export type LeaderboardParams = Static<typeof LeaderboardParams>;

export const LeaderboardQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 10 })),
  /** Opaque; from a previous page's `nextCursor`. */
  cursor: Type.Optional(Type.String({ pattern: '^[0-9]{1,9}$' })),
}, { additionalProperties: false });
export type LeaderboardQuery = Static<typeof LeaderboardQuery>;

export const AroundParams = Type.Object({ board: Type.String({ maxLength: 64 }), playerId: Type.String({ minLength: 1, maxLength: 64 }) });
export type AroundParams = Static<typeof AroundParams>;

export const AroundQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 51, default: 11 })),
}, { additionalProperties: false });
export type AroundQuery = Static<typeof AroundQuery>;

export const BoardStanding = Type.Object({
  board: Type.String(),
  /** Null when the player has no score on this board yet. */
  rank: Type.Union([Type.Integer({ minimum: 1 }), Type.Null()]),
  score: Type.Union([Type.Integer(), Type.Null()]),
});
export type BoardStanding = Static<typeof BoardStanding>;

export const PlayerProfile = Type.Object({
  playerId: Type.String(),
  name: Type.String(),
  standings: Type.Array(BoardStanding),
});
export type PlayerProfile = Static<typeof PlayerProfile>;

export const HealthStatus = Type.Object({
  ok: Type.Boolean(),
  instance: Type.String(),
  redis: Type.Optional(Type.Union([Type.Literal('up'), Type.Literal('down'), Type.Literal('none')])),
  /** The instance is draining (SIGTERM): not ready, so the entry point stops sending before it closes. */
  draining: Type.Optional(Type.Boolean()),
});
export type HealthStatus = Static<typeof HealthStatus>;
