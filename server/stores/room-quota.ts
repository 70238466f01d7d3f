/**
 * How many live rooms each player has caused to be created, so one player
 * cannot fill the cluster with rooms (each runs a 20 Hz loop, and checkpoints
 * if checkpointed). Kept in Redis so the cap holds across API instances.
 */
export interface RoomQuotaStore {
  /**
   * Claims one of `max` slots for a room `playerId` is about to cause to be
   * created. Rooms counted earlier that `live` no longer confirms are freed
   * first, and so are claims never settled within {@link CLAIM_MS}. Returns a
   * claim id, or null when `max` live rooms (or pending claims) hold every slot.
   */
  claim(playerId: string, max: number, live: (roomIds: string[]) => Promise<Set<string>>): Promise<string | null>;
  /** Settles a claim: its slot now holds `roomId`, or is freed (null: no room was created after all). */
  settle(playerId: string, claim: string, roomId: string | null): Promise<void>;
}

/** A claim not settled this long (its API instance died mid-request) stops holding a slot. */
export const CLAIM_MS = 30_000;
/** A player's record lapses this long after their last claim: rooms older than this stop counting. */
export const QUOTA_TTL_MS = 3600_000;

export const CLAIM_PREFIX = 'c:';
export const ROOM_PREFIX = 'r:';
