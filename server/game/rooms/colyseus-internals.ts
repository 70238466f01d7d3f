import type { Room } from '@colyseus/core';

/**
 * The only file that touches Colyseus private fields (checked against
 * @colyseus/core 0.18.17). Each use says why the public API is not enough.
 * `tests/integration/game/colyseus-internals.test.ts` runs every function
 * against a real room, so an upgrade that renames one fails there, loudly,
 * instead of silently breaking checkpoints or retirement.
 */
interface RoomInternals {
  _serializer: { getFullState?(): Uint8Array };
  _reservedSeats: Record<string, unknown>;
  _reservedSeatTimeouts: Record<string, ReturnType<typeof setTimeout>>;
  resetAutoDisposeTimeout(seconds: number): void;
}

function internals(room: Room): RoomInternals {
  const r = room as unknown as RoomInternals;
  if (typeof r._serializer?.getFullState !== 'function' || typeof r._reservedSeats !== 'object'
    || typeof r._reservedSeatTimeouts !== 'object' || typeof r.resetAutoDisposeTimeout !== 'function') {
    throw new Error('@colyseus/core internals changed: update server/game/rooms/colyseus-internals.ts');
  }
  return r;
}

/**
 * The room's full synced state, schema-encoded. Reuses the full encoding
 * Colyseus caches for joining clients (byte 0 is its protocol code): about 5×
 * cheaper than encoding a clone of the state.
 */
export function encodeFullState(room: Room): Uint8Array {
  return Uint8Array.from(internals(room)._serializer.getFullState!().subarray(1));
}

/**
 * Drops every seat reserved in this copy and lets it dispose as soon as its
 * clients are gone. A copy that is going away (handed off, or stale) would
 * otherwise stay alive, answering for its room id, until reservations queued
 * while it was frozen time out; Colyseus has no public call for either.
 */
export function releaseSeatsAndDisposeSoon(room: Room): void {
  const r = internals(room);
  for (const timer of Object.values(r._reservedSeatTimeouts)) clearTimeout(timer);
  r._reservedSeats = {};
  r._reservedSeatTimeouts = {};
  r.resetAutoDisposeTimeout(0);
}

/** Seats reserved in this copy and not yet taken (for tests and metrics). */
export function reservedSeatCount(room: Room): number {
  return Object.keys(internals(room)._reservedSeats).length;
}
