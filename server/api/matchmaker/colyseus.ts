import '../../common/websocket-global';
import { ServerError, createAuthContext, matchMaker } from '@colyseus/core';
import { ARENA_ROOM, ROOM_MODES, type RoomMode } from '../../../shared/protocol';
import type { RejoinResult, RoomStatus, SeatReservation } from '../../../shared/api';
import { ErrorCodes } from '../../../shared/errors';
import { RedisUnavailableError } from '../../common/redis';
import { within } from '../../common/within';
import type { PlayerIdentity } from '../../common/tokens';
import { RoomUnavailableError, roomHoster, type FailoverDeps } from '../../cluster/failover';
import type { StoreWatch } from '../store-watch';
import { MatchmakeError, type Matchmaker } from './index';
import { NO_ROOMS_HERE } from './seat-check-room';
import type { RoomQuotaStore } from '../../stores';

/** A rejoin whose seat request takes longer than this met a host that stopped answering. */
const REJOIN_TIMEOUT_MS = 1500;

/** A matchmaking request that takes longer than this has met a stalled node or Redis: fail rather than hang. */
const SEAT_TIMEOUT_MS = 8000;

/** Seat attempts when a new room's host did not answer its create request (each goes to another node). */
const SEAT_ATTEMPTS = 3;

const ALWAYS_UP: Pick<StoreWatch, 'bounded'> = { bounded: (work) => work };

/** The cap on live rooms one player can cause to be created (`max` 0 = none). */
export interface RoomCap {
  quota: RoomQuotaStore;
  max: number;
}

/**
 * The Colyseus matchmaker this process has set up: its own (one process, game
 * node and API together) or the standalone one from `startStandaloneMatchmaker`.
 * `store` bounds every call on Colyseus's presence and driver, which queue for
 * as long as the store is gone: a request in flight when it goes fails at once.
 * `cap` limits the live rooms one player can cause to be created.
 */
export function processMatchmaker(failover: FailoverDeps, close: () => Promise<void> = async () => {}, store: Pick<StoreWatch, 'bounded'> = ALWAYS_UP, cap?: RoomCap): Matchmaker {
  /** Room ids among `ids` the cluster still lists. */
  async function listed(ids: string[]): Promise<Set<string>> {
    return new Set((await store.bounded(matchMaker.findRoomsByIds(ids))).keys());
  }

  /**
   * A seat that finds no open room will create one: that costs one of the
   * player's slots, claimed before the room exists and settled with its id.
   * (If a room opens between the look and the seat, the claim is simply freed.)
   */
  async function seatWithin(player: PlayerIdentity, options: Record<string, unknown>, join: () => Promise<SeatReservation>): Promise<SeatReservation> {
    if (!cap || cap.max <= 0) return join();
    const open = await store.bounded(matchMaker.findOneRoomAvailable(ARENA_ROOM, options));
    if (open) return join();
    const claim = await cap.quota.claim(player.playerId, cap.max, listed);
    if (!claim) throw new MatchmakeError(ErrorCodes.rateRoomsLimited, `You already have ${cap.max} live rooms of your own making; join one or wait for one to end.`);
    let roomId: string | null = null;
    try {
      const seat = await join();
      roomId = seat.roomId;
      return seat;
    } finally {
      await cap.quota.settle(player.playerId, claim, roomId);
    }
  }

  // After a crash every player of a room asks at once: one look at the room serves them all.
  const hostOf = roomHoster(failover);

  return {
    async rejoin(player: PlayerIdentity, roomId: string, accessToken: string, ip?: string): Promise<RejoinResult> {
      const host = await store.bounded(hostOf(roomId));
      const auth = createAuthContext({ headers: {}, token: accessToken, remoteAddress: ip });
      try {
        // A host that stopped answering (frozen, not yet declared dead) would hold the seat
        // request for two IPC timeouts: give up sooner and let the client retry.
        const [reservation, listings] = await Promise.all([
          within(store.bounded(matchMaker.joinById(roomId, { name: player.name, mode: 'checkpointed' }, auth)), REJOIN_TIMEOUT_MS,
            () => new RoomUnavailableError('room/restoring', `Room ${roomId}'s host is not answering; retry in a moment.`)) as Promise<SeatReservation>,
          // Where the copy was restored from (its listing's metadata), read while the seat is reserved.
          store.bounded(matchMaker.findRoomsByIds([roomId]), REJOIN_TIMEOUT_MS),
        ]);
        const listing = listings.get(roomId);
        const meta = (listing?.metadata ?? {}) as { restoredFromTick?: number | null };
        return { reservation, mode: 'checkpointed', nodeId: host.nodeId, epoch: host.epoch, restoredFromTick: meta.restoredFromTick ?? null };
      } catch (err) {
        if (err instanceof RoomUnavailableError || err instanceof RedisUnavailableError) throw err;
        const mapped = toMatchmakeError(err);
        if (mapped.code === ErrorCodes.authInvalid) throw mapped;
        // The room is between homes (hand-off under way, listing not yet visible): retry shortly.
        throw new RoomUnavailableError('room/restoring', `Room ${roomId} is moving: ${mapped.message}`, { cause: err });
      }
    },

    async seat(player: PlayerIdentity, mode: RoomMode, accessToken: string, ip?: string, maxPlayers?: number): Promise<SeatReservation> {
      const auth = createAuthContext({ headers: {}, token: accessToken, remoteAddress: ip });
      const options = { name: player.name, mode, ...(maxPlayers ? { maxPlayers } : {}) };
      const attempt = async (): Promise<SeatReservation> => {
        for (let i = 1; ; i++) {
          try {
            return await store.bounded(matchMaker.joinOrCreate(ARENA_ROOM, options, auth)) as SeatReservation;
          } catch (err) {
            // The new room's host froze before its key lapsed: Colyseus dropped it from the
            // room counts, so the next attempt goes to another node.
            if (i < SEAT_ATTEMPTS && err instanceof ServerError && err.message.startsWith(NO_ROOMS_HERE)) continue;
            throw err;
          }
        }
      };
      try {
        return await seatWithin(player, options, () => within(attempt(), SEAT_TIMEOUT_MS, () => new MatchmakeError(ErrorCodes.matchmakeFailed, `Matchmaking took longer than ${SEAT_TIMEOUT_MS} ms.`)));
      } catch (err) {
        if (err instanceof RedisUnavailableError) throw err;
        throw toMatchmakeError(err);
      }
    },

    async rooms(): Promise<RoomStatus[]> {
      const listings = await store.bounded(matchMaker.query({ name: ARENA_ROOM }));
      return listings.map((room) => {
        const meta = (room.metadata ?? {}) as { mode?: string; nodeId?: string };
        const mode = (ROOM_MODES as readonly string[]).includes(meta.mode ?? '') ? meta.mode as RoomMode : 'stateful';
        return { id: room.roomId, mode, nodeId: meta.nodeId ?? room.processId, players: room.clients };
      });
    },

    close,
  };
}

function toMatchmakeError(err: unknown): MatchmakeError {
  if (err instanceof MatchmakeError) return err;
  if (err instanceof ServerError && err.code === 401) return new MatchmakeError(ErrorCodes.authInvalid, err.message, { cause: err });
  return new MatchmakeError(ErrorCodes.matchmakeFailed, err instanceof Error ? err.message : String(err), { cause: err });
}
