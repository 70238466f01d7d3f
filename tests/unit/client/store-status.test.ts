import { describe, expect, it } from 'vitest';
import { ErrorCodes } from '../../../shared/errors';
import { ApiRequestError } from '../../../client/src/net/api';
import { LOBBY_RETRY, lobbyMatch } from '../../../client/src/net/rejoin';
import { STORE_BACK_NOTE_MS, StoreStatus, storeLine } from '../../../client/src/game/storeStatus';

describe('StoreStatus: the host\'s store notices as live numbers', () => {
  it('a checkpointed room: the unsaved time counts up between notices, and the way back says how long play was paused', () => {
    const s = new StoreStatus();
    expect(s.update({ store: 'unreachable', unsavedMs: 1000, paused: true }, 10_000)).toBe('lost');
    expect(s.view(12_500).unsavedMs).toBe(3500);
    expect(storeLine(s.view(22_000), 'node-1', 22_000)?.text).toBe('store unreachable: not saved for 13 s — paused so this match cannot split in two');
    expect(s.update({ store: 'unreachable', unsavedMs: 13_000, paused: true }, 22_000)).toBe('same');
    expect(s.update({ store: 'ok', unsavedMs: 40, paused: false }, 30_200)).toBe('back');
    const v = s.view(30_300);
    expect(v.back).toEqual({ at: 30_200, unreachableMs: 21_200, pausedMs: 20_200 });
    expect(storeLine(v, 'node-1', 30_300)).toEqual({ kind: 'ok', text: 'store back: saved again (play was paused for 20.2 s)' });
    expect(storeLine(v, 'node-1', 30_200 + STORE_BACK_NOTE_MS + 1)).toBeNull();
  });

  it('the store back while the room still checks it is the live copy: paused until the ticks move again', () => {
    const s = new StoreStatus();
    s.update({ store: 'unreachable', unsavedMs: 1000, paused: true }, 0);
    expect(s.update({ store: 'ok', unsavedMs: 4000, paused: true }, 3000)).toBe('back');
    expect(s.paused).toBe(true);
    expect(storeLine(s.view(3000), 'node-1', 3000)?.text).toBe('store back: saved again, resuming play…');
    expect(s.resumed(3400)).toBe(true);
    expect(s.paused).toBe(false);
    expect(s.view(3400).back?.pausedMs).toBe(3400);
    expect(storeLine(s.view(3500), 'node-1', 3500)?.text).toBe('store back: saved again (play was paused for 3.4 s)');
    expect(s.resumed(3600)).toBe(false);
  });

  it('a stateful room plays on and says whose memory the match lives in', () => {
    const s = new StoreStatus();
    s.update({ store: 'unreachable', unsavedMs: null, paused: false }, 0);
    expect(s.paused).toBe(false);
    expect(storeLine(s.view(500), 'node-2', 500)?.text).toBe("store unreachable: this match lives in node-2's memory and plays on (a crash now would lose it)");
    s.update({ store: 'ok', unsavedMs: null, paused: false }, 4000);
    expect(s.view(4000).back?.pausedMs).toBeNull();
    expect(storeLine(s.view(4000), 'node-2', 4000)?.text).toMatch(/^store back: saved again after 4\.0 s/);
  });

  it('nothing to say while the store is fine', () => {
    const s = new StoreStatus();
    expect(s.update({ store: 'ok', unsavedMs: 100, paused: false }, 0)).toBe('same');
    expect(storeLine(s.view(0), 'node-1', 0)).toBeNull();
  });
});

describe('lobbyMatch: the lobby waits out a store outage with backoff', () => {
  it('retries redis/unavailable with growing waits up to the cap, then takes the seat', async () => {
    let t = 0;
    const waits: number[] = [];
    let n = 0;
    const outcome = await lobbyMatch(async () => {
      if (++n < 7) throw new ApiRequestError(ErrorCodes.redisUnavailable, 'Redis is unavailable.', 503);
      return 'seat';
    }, { now: () => t, sleep: async (ms) => void (t += ms), onRetry: (_n, _e, ms) => waits.push(ms) });
    expect(outcome).toMatchObject({ ok: true, value: 'seat', attempts: 7 });
    expect(waits).toEqual([500, 1000, 2000, 4000, 5000, 5000]);
    expect(Math.max(...waits)).toBe(LOBBY_RETRY.maxRetryMs);
  });

  it('stops at once on a refusal, and when the player stops it', async () => {
    const refused = await lobbyMatch(async () => { throw new ApiRequestError(ErrorCodes.requestInvalid, 'bad name', 400); }, { sleep: async () => {} });
    expect(refused).toMatchObject({ ok: false, why: 'refused', attempts: 1 });
    let stop = false;
    const stopped = await lobbyMatch(async () => {
      stop = true;
      throw new ApiRequestError(ErrorCodes.redisUnavailable, 'Redis is unavailable.', 503);
    }, { cancelled: () => stop, sleep: async () => {} });
    expect(stopped).toMatchObject({ ok: false, why: 'cancelled', attempts: 1 });
  });
});
