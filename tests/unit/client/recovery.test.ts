import { describe, expect, it } from 'vitest';
import { CodedError, ErrorCodes } from '../../../shared/errors';
import { ApiRequestError, ApiUnavailableError, requestInit, toError } from '../../../client/src/net/api';
import { followRoom, rematch, retryVerdict } from '../../../client/src/net/rejoin';
import { describeCause, summarizeRecovery, type RecoveryInput } from '../../../client/src/game/recovery';

const base: RecoveryInput = {
  cause: 'killed', faultAt: 1000, detectedAt: 1030, lastMessageAt: 990, backAt: 1180, lastTick: 104, restoredTick: 100,
  tickRate: 20, scoreBefore: 7, scoreAfter: 6, fromNode: 'node-1', toNode: 'node-2', epoch: 2, attempts: 2,
};

describe('summarizeRecovery', () => {
  it('measures from the fault button when this page pressed it', () => {
    const s = summarizeRecovery(base);
    expect(s).toMatchObject({
      detectedMs: 30, detectedFrom: 'fault-button', backInPlayMs: 180, ticksLost: 4, msLost: 200, scoreLost: 1,
      fromNode: 'node-1', toNode: 'node-2', epoch: 2,
    });
  });

  it('otherwise measures detection from the last message and back-in-play from the detection', () => {
    const s = summarizeRecovery({ ...base, faultAt: null });
    expect(s.detectedMs).toBe(40);
    expect(s.detectedFrom).toBe('last-message');
    expect(s.backInPlayMs).toBe(150);
  });

  it('a room followed after its host paused it for the store: without a button, detection counts from the paused copy\'s last save', () => {
    const s = summarizeRecovery({ ...base, cause: 'store-lost', faultAt: null, lastMessageAt: 850, detectedAt: 1800, backAt: 2400 });
    expect(s).toMatchObject({ detectedMs: 950, detectedFrom: 'last-save', backInPlayMs: 600 });
    expect(describeCause('store-lost')).toContain('lost its store');
  });

  it('never reports negative play lost (a drain hand-off checkpoints after the last tick seen)', () => {
    expect(summarizeRecovery({ ...base, cause: 'drain', restoredTick: 106 })).toMatchObject({ ticksLost: 0, msLost: 0 });
    expect(summarizeRecovery({ ...base, restoredTick: null })).toMatchObject({ ticksLost: null, msLost: null });
    expect(describeCause('drain')).toContain('planned hand-off');
  });
});

describe('rejoin retries', () => {
  it('retries while the room is being restored, Redis or the API is out, or a proxy answers 502/503; stops on room/lost', () => {
    expect(retryVerdict(new ApiRequestError(ErrorCodes.roomRestoring, 'x', 409))).toBe('retry');
    expect(retryVerdict(new ApiRequestError(ErrorCodes.redisUnavailable, 'x', 503))).toBe('retry');
    expect(retryVerdict(toError(502, null))).toBe('retry');
    expect(retryVerdict(toError(503, '<html>'))).toBe('retry');
    expect(retryVerdict(new ApiUnavailableError(['a']))).toBe('retry');
    expect(retryVerdict(new TypeError('failed to fetch'))).toBe('retry'); // the seat itself could not be taken
    expect(retryVerdict(new ApiRequestError(ErrorCodes.roomLost, 'gone', 410))).toBe('lost');
    expect(retryVerdict(new ApiRequestError(ErrorCodes.authInvalid, 'no', 401))).toBe('refused');
  });

  it('keeps an answer without a code of ours as its status, under a registry code (never "http/503")', () => {
    const e = toError(503, null);
    expect(e).toBeInstanceOf(CodedError);
    expect(e).toMatchObject({ code: ErrorCodes.internal, status: 503 });
    expect(toError(404, { code: 'match/full', message: 'x' })).toMatchObject({ code: ErrorCodes.requestInvalid, status: 404 });
    expect(toError(410, { code: ErrorCodes.roomLost, message: 'gone' })).toMatchObject({ code: ErrorCodes.roomLost, message: 'gone' });
    const cause = new TypeError('fetch failed');
    const down = new ApiUnavailableError(['a'], { cause });
    expect(down).toMatchObject({ code: ErrorCodes.apiUnreachable, cause, name: 'ApiUnavailableError' });
  });

  it('rematches every 300 ms while a seat fails, and stops on a refusal or when cancelled', async () => {
    let t = 0;
    const slept: number[] = [];
    const answers: unknown[] = [new Error('seat on a dead node'), 'conn'];
    const ok = await rematch(async () => {
      const a = answers.shift();
      if (a instanceof Error) throw a;
      return a;
    }, { now: () => t, sleep: async (ms) => { slept.push(ms); t += ms; } });
    expect(ok).toMatchObject({ ok: true, value: 'conn', attempts: 2 });
    expect(slept).toEqual([300]);
    const refused = await rematch(async () => {
      throw new ApiRequestError(ErrorCodes.authInvalid, 'no', 401);
    }, { sleep: async () => {} });
    expect(refused).toMatchObject({ ok: false, why: 'refused', attempts: 1 });
    let stop = false;
    const cancelled = await rematch(async () => {
      stop = true;
      throw new Error('x');
    }, { cancelled: () => stop, sleep: async () => {} });
    expect(cancelled).toMatchObject({ ok: false, why: 'cancelled', attempts: 1 });
  });

  it('follows the room until a seat comes back, every retryMs', async () => {
    let t = 0;
    const answers: unknown[] = [new ApiRequestError(ErrorCodes.roomRestoring, 'x', 409), new ApiUnavailableError(['a']), 'seat'];
    const slept: number[] = [];
    const outcome = await followRoom(async () => {
      const a = answers.shift();
      if (a instanceof Error) throw a;
      return a;
    }, { now: () => t, sleep: async (ms) => { slept.push(ms); t += ms; } });
    expect(outcome).toEqual({ ok: true, value: 'seat', attempts: 3 });
    expect(slept).toEqual([100, 100]);
  });

  it('gives up at once on room/lost, and after the deadline otherwise', async () => {
    const lost = await followRoom(async () => {
      throw new ApiRequestError(ErrorCodes.roomLost, 'gone', 410);
    }, { sleep: async () => {} });
    expect(lost).toMatchObject({ ok: false, why: 'lost', attempts: 1 });
    let t = 0;
    const timeout = await followRoom(async () => {
      throw new ApiRequestError(ErrorCodes.roomRestoring, 'x', 409);
    }, { deadlineMs: 1000, retryMs: 100, now: () => t, sleep: async (ms) => { t += ms; } });
    expect(timeout).toMatchObject({ ok: false, why: 'timeout' });
    expect(timeout.attempts).toBe(11); // at t = 0, 100, … 1000
  });
});

describe('requestInit', () => {
  it('sends no content-type for a bodiless POST (Fastify rejects an empty JSON body)', () => {
    const init = requestInit('POST', { token: 't' });
    expect(init.headers).toEqual({ authorization: 'Bearer t' });
    expect(init.body).toBeNull();
    expect(requestInit('POST', { body: null }).headers).toEqual({});
  });

  it('sends JSON with its content-type when there is a body', () => {
    const init = requestInit('POST', { body: { mode: 'checkpointed' } });
    expect(init.headers['content-type']).toBe('application/json');
    expect(init.body).toBe('{"mode":"checkpointed"}');
  });
});
