import { describe, expect, it } from 'vitest';
import type { RejoinResult } from '../../../shared/api';
import { ErrorCodes } from '../../../shared/errors';
import type { StoreNotice } from '../../../shared/protocol';
import { ApiRequestError } from '../../../client/src/net/api';
import { PAUSED_FOLLOW, PausedRoomFollower, pausedAnswer, SameCopyAnswer, type PausedFollowState, type PausedSeat } from '../../../client/src/net/pausedFollow';
import { REJOIN_RETRY_MS } from '../../../client/src/net/rejoin';

const PAUSED: StoreNotice = { store: 'unreachable', unsavedMs: 1000, paused: true };
const RESUMED: StoreNotice = { store: 'ok', unsavedMs: 20, paused: false };
const storeDown = () => new ApiRequestError(ErrorCodes.redisUnavailable, 'store unreachable', 503);
const restoring = () => new ApiRequestError(ErrorCodes.roomRestoring, 'restoring', 409);

function answer(nodeId: string, epoch: number): RejoinResult {
  return { reservation: {} as RejoinResult['reservation'], mode: 'checkpointed', nodeId, epoch, restoredFromTick: 40 };
}

/**
 * A follower on a fake clock: the timer fires by hand, each wait advances the clock at once, and
 * the API answers from `answers` in order (an Error is thrown). The paused copy is node-1, epoch 1.
 */
function setup(answers: (RejoinResult | Error)[], hooks: { beforeAsk?: (n: number) => void; gate?: Promise<void> } = {}) {
  let t = 0;
  let timer: { fn: () => void; ms: number } | null = null;
  const asked: number[] = [];
  const waits: number[] = [];
  const taken: RejoinResult[] = [];
  const seats: PausedSeat<string>[] = [];
  const states: (PausedFollowState | null)[] = [];
  let settle: () => void = () => {};
  const settled = new Promise<void>((resolve) => (settle = resolve));
  const follower = new PausedRoomFollower<string>({
    copy: () => ({ nodeId: 'node-1', epoch: 1 }),
    ask: async () => {
      asked.push(t);
      hooks.beforeAsk?.(asked.length);
      await hooks.gate;
      const a = answers.shift();
      if (!a) throw new Error('the test ran out of answers');
      if (a instanceof Error) throw a;
      return a;
    },
    take: async (result) => {
      taken.push(result);
      return `seat on ${result.nodeId}`;
    },
    onSeated: (seat) => {
      seats.push(seat);
      settle();
    },
    onChange: (s) => states.push(s),
    now: () => t,
    sleep: async (ms) => {
      waits.push(ms);
      t += ms;
      if (answers.length === 0) settle();
    },
    setTimer: (fn, ms) => {
      timer = { fn, ms };
      return () => (timer = null);
    },
  });
  return {
    follower, asked, waits, taken, seats, states, settled,
    at: (v: number) => (t = v),
    fire: () => {
      const due = timer;
      timer = null;
      if (!due) return null;
      t += due.ms;
      due.fn();
      return due.ms;
    },
  };
}

describe('PausedRoomFollower: a room its host paused for the store', () => {
  it(`asks the API ${PAUSED_FOLLOW.afterMs} ms after the first paused notice, and takes a seat on another copy`, async () => {
    const f = setup([answer('node-2', 2)]);
    f.at(1000);
    f.follower.notice(PAUSED);
    f.follower.notice({ ...PAUSED, unsavedMs: 2000 }); // the notices every second do not restart the count
    expect(f.asked).toEqual([]);
    expect(f.follower.state).toMatchObject({ pausedAt: 1000, unsavedMs: 1000, attempts: 0, nextAt: 1500 });
    expect(f.fire()).toBe(PAUSED_FOLLOW.afterMs);
    await f.settled;
    expect(f.asked).toEqual([1500]);
    expect(f.taken.map((r) => r.nodeId)).toEqual(['node-2']);
    expect(f.seats).toEqual([{ result: answer('node-2', 2), value: 'seat on node-2', state: expect.objectContaining({ pausedAt: 1000, unsavedMs: 1000, attempts: 1 }) }]);
  });

  it('an answer naming the paused copy itself (same node, same epoch) is not taken: asked again with backoff', async () => {
    const f = setup([answer('node-1', 1), answer('node-1', 1), answer('node-1', 1), answer('node-3', 2)]);
    f.follower.notice(PAUSED);
    f.fire();
    await f.settled;
    expect(f.waits).toEqual([250, 500, 1000]);
    expect(f.taken.map((r) => r.nodeId)).toEqual(['node-3']);
    expect(f.seats[0]!.state.attempts).toBe(4);
    expect(f.states.some((s) => s?.lastAnswer === 'same-copy')).toBe(true);
  });

  it('the same node under a new epoch is another copy (restored in place): taken', async () => {
    const f = setup([answer('node-1', 2)]);
    f.follower.notice(PAUSED);
    f.fire();
    await f.settled;
    expect(f.seats).toHaveLength(1);
  });

  it('503 redis/unavailable (the API cannot reach the store either): stays put, backing off to 5 s, with no deadline', async () => {
    const answers: (RejoinResult | Error)[] = Array.from({ length: 12 }, storeDown);
    const f = setup([...answers, answer('node-2', 2)]);
    f.follower.notice(PAUSED);
    f.fire();
    await f.settled;
    expect(f.waits).toEqual([250, 500, 1000, 2000, 4000, 5000, 5000, 5000, 5000, 5000, 5000, 5000]);
    expect(f.waits.reduce((a, b) => a + b, 0)).toBeGreaterThan(15_000); // beyond REJOIN_DEADLINE_MS: the room is still paused
    expect(f.taken).toHaveLength(1);
    expect(pausedAnswer(storeDown())).toBe('store-down');
  });

  it('409 room/restoring: a restore is under way, asked again at the rejoin period without advancing the backoff', async () => {
    const f = setup([answer('node-1', 1), restoring(), restoring(), answer('node-1', 1), answer('node-2', 2)]);
    f.follower.notice(PAUSED);
    f.fire();
    await f.settled;
    expect(f.waits).toEqual([250, REJOIN_RETRY_MS, REJOIN_RETRY_MS, 500]);
  });

  it('the room resuming before the bound: never asks', () => {
    const f = setup([answer('node-2', 2)]);
    f.follower.notice(PAUSED);
    f.follower.notice(RESUMED);
    expect(f.fire()).toBeNull();
    expect(f.asked).toEqual([]);
    expect(f.follower.state).toBeNull();
    expect(f.states.at(-1)).toBeNull();
  });

  it('the host reaching the store again, still paused while it checks its epoch: the follow stops (it resumes or retires by itself)', () => {
    const f = setup([answer('node-2', 2)]);
    f.follower.notice(PAUSED);
    f.follower.notice({ store: 'ok', unsavedMs: 3000, paused: true });
    expect(f.fire()).toBeNull();
    expect(f.asked).toEqual([]);
  });

  it('the room resuming during the follow: no further request', async () => {
    let follower: PausedRoomFollower<string> | null = null;
    const f = setup([answer('node-1', 1), answer('node-1', 1), answer('node-2', 2)], {
      beforeAsk: (n) => n === 2 && follower?.notice(RESUMED),
    });
    follower = f.follower;
    f.follower.notice(PAUSED);
    f.fire();
    await expect.poll(() => f.waits.length).toBe(2);
    await new Promise((r) => setTimeout(r, 0));
    expect(f.follower.state).toBeNull();
    expect(f.asked).toHaveLength(2);
    expect(f.taken).toEqual([]);
    expect(f.seats).toEqual([]);
  });

  it('the paused connection ends while a request is in flight: the seat is not handed on, but the caller gets it from inFlight', async () => {
    let release: () => void = () => {};
    const f = setup([answer('node-2', 2)], { gate: new Promise<void>((r) => (release = r)) });
    f.follower.notice(PAUSED);
    f.fire();
    expect(f.asked).toHaveLength(1);
    const pending = f.follower.inFlight;
    expect(pending).not.toBeNull();
    f.follower.stop(); // the host's 'moved' arrived while the API was answering
    release();
    const seat = await pending!;
    expect(seat?.value).toBe('seat on node-2');
    expect(seat?.result.epoch).toBe(2);
    expect(f.seats).toEqual([]);
    await new Promise((r) => setTimeout(r, 0));
    expect(f.follower.inFlight).toBeNull();
  });

  it('a stateful room (never saves) never pauses, and a refusal leaves the player on the paused copy', async () => {
    const f = setup([new ApiRequestError(ErrorCodes.roomLost, 'gone', 410)]);
    f.follower.notice({ store: 'unreachable', unsavedMs: null, paused: false });
    expect(f.follower.state).toBeNull();
    f.follower.notice(PAUSED);
    f.fire();
    await expect.poll(() => f.follower.state?.lastAnswer).toBe('failed');
    expect(f.follower.state?.nextAt).toBeNull();
    expect(f.seats).toEqual([]);
    expect(pausedAnswer(new SameCopyAnswer(answer('node-1', 1)))).toBe('same-copy');
  });
});
