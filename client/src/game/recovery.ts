/**
 * The numbers of one recovery of a checkpointed session, computed from what
 * this client saw. Pure (no DOM, no Phaser): unit-tested.
 */

import { HEARTBEAT } from '../../../shared/protocol';

/**
 * How the old host failed, as shown to the player. 'store-lost': it lost the store (an outage or
 * its own partition: it cannot tell) and paused the room, and the player followed it to a live copy.
 */
export type RecoveryCause = 'killed' | 'frozen' | 'drain' | 'stale-copy' | 'left' | 'store-lost';

export interface RecoverySummary {
  cause: RecoveryCause;
  /** ms from the fault this page injected (else from the host's last message) to this client noticing. */
  detectedMs: number;
  /** What detectedMs is measured from ('last-save': the paused copy's last acknowledged checkpoint). */
  detectedFrom: 'fault-button' | 'last-message' | 'last-save';
  /** ms from the fault (else the detection) to the first patch with this player on the new host. */
  backInPlayMs: number;
  /** Ticks of play the room lost: last tick seen before the loss minus the checkpoint's tick (≥ 0); null if unknown. */
  ticksLost: number | null;
  /** ticksLost in milliseconds of play. */
  msLost: number | null;
  /** Score before the loss minus score after (positive: points lost). */
  scoreLost: number;
  fromNode: string | null;
  toNode: string;
  epoch: number | null;
  /** Rejoin requests it took (1 when the first answer was a seat). */
  attempts: number;
}

export interface RecoveryInput {
  cause: RecoveryCause;
  /** performance.now() of the fault button press, when this page injected the fault. */
  faultAt: number | null;
  /** performance.now() when this client noticed the loss. */
  detectedAt: number;
  /**
   * performance.now() of the host's last message before the loss; for 'store-lost' (a paused host
   * keeps talking) of its last acknowledged save instead, the nearest the client knows to the fault.
   */
  lastMessageAt: number;
  /** performance.now() of the first patch containing this player on the new host. */
  backAt: number;
  /** Newest tick seen from the old host. */
  lastTick: number;
  /** Tick of the checkpoint the new copy was restored from (null: it never moved). */
  restoredTick: number | null;
  tickRate: number;
  scoreBefore: number;
  scoreAfter: number;
  fromNode: string | null;
  toNode: string;
  epoch: number | null;
  attempts: number;
}

export function summarizeRecovery(i: RecoveryInput): RecoverySummary {
  const origin = i.faultAt ?? i.detectedAt;
  const ticksLost = i.restoredTick === null ? null : Math.max(0, i.lastTick - i.restoredTick);
  return {
    cause: i.cause,
    detectedMs: Math.max(0, i.detectedAt - (i.faultAt ?? i.lastMessageAt)),
    detectedFrom: i.faultAt !== null ? 'fault-button' : i.cause === 'store-lost' ? 'last-save' : 'last-message',
    backInPlayMs: Math.max(0, i.backAt - origin),
    ticksLost,
    msLost: ticksLost === null ? null : Math.round(ticksLost * (1000 / (i.tickRate > 0 ? i.tickRate : 20))),
    scoreLost: i.scoreBefore - i.scoreAfter,
    fromNode: i.fromNode,
    toNode: i.toNode,
    epoch: i.epoch,
    attempts: i.attempts,
  };
}

/** One line on how the old host failed. */
export function describeCause(cause: RecoveryCause): string {
  switch (cause) {
    case 'killed': return 'was killed (connection reset)';
    case 'frozen': return `froze (no heartbeat for ${HEARTBEAT.silenceMs / 1000} s)`;
    case 'drain': return 'was drained: a planned hand-off, zero loss expected';
    case 'stale-copy': return 'held a stale copy: the room had moved on';
    case 'left': return 'closed the room';
    case 'store-lost': return 'lost its store and paused the room (it cannot tell an outage from its own partition); followed to a live copy';
  }
}
