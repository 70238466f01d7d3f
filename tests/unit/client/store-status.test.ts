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

  it('a paused room followed to a live copy: one line, in numbers, that says what the follow is waiting for', () => {
    const s = new StoreStatus();
    s.update({ store: 'unreachable', unsavedMs: 1000, paused: true }, 0);
    const f = { pausedAt: 0, unsavedMs: 1000, attempts: 0, lastAnswer: null, nextAt: 500 } as const;
    expect(storeLine(s.view(400), 'node-1', 400, f)?.text).toBe('store unreachable: not saved for 1 s — paused so this match cannot split in two');
    expect(storeLine(s.view(600), 'node-1', 600, { ...f, attempts: 1, nextAt: null })?.text)
      .toBe('store unreachable: not saved for 1 s — paused; following the room to a live copy… (attempt 1)');
    expect(storeLine(s.view(1100), 'node-1', 1100, { ...f, attempts: 1, lastAnswer: 'same-copy', nextAt: 1350 })?.text)
      .toBe('store unreachable: not saved for 2 s — paused; the API still counts this copy as the live one (asking again in 0.3 s)');
    expect(storeLine(s.view(3000), 'node-1', 3000, { ...f, attempts: 4, lastAnswer: 'store-down', nextAt: 5000 })?.text)
      .toBe('store unreachable: not saved for 4 s — paused; the API cannot reach the store either: the whole cluster waits for it (asking again in 2.0 s)');
    expect(storeLine(s.view(3000), 'node-1', 3000, { ...f, attempts: 1, lastAnswer: 'failed', nextAt: null })?.text)
      .toBe('store unreachable: not saved for 4 s — paused; could not follow the room: waiting here for the store');
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
