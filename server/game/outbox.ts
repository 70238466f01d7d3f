import type { MatchResult, RecordedNotice } from '../../shared/protocol';
import { RedisUnavailableError } from '../common/redis';
import type { Logger } from '../common/logger';
import { StaleResultError, type ResultFence, type ResultsSink } from '../stores';

/**
 * Where a match's results stand: in the store, held by this node until the
 * store answers, or refused because they came from a stale copy of the room.
 */
export type RecordStatus = RecordedNotice['status'];

const FIRST_RETRY_MS = 250;
const MAX_RETRY_MS = 2000;

interface Pending {
  result: MatchResult;
  fence: ResultFence | undefined;
  onStatus: ((status: RecordStatus) => void) | undefined;
}

/**
 * This node's outbox of finished matches: each is recorded at once, or, while
 * the store is unreachable, kept here and retried with capped backoff until it
 * is recorded. The store records each match id exactly once, so a retry whose
 * first try did land (the answer was lost) changes nothing. The outbox is
 * memory: results still waiting when this process dies are lost, and the
 * results screen says so while they wait.
 */
export class ResultsOutbox implements ResultsSink {
  readonly #pending = new Map<string, Pending>();
  #timer: ReturnType<typeof setTimeout> | null = null;
  #delayMs = FIRST_RETRY_MS;
  #flushing = false;

  constructor(private readonly sink: ResultsSink, private readonly log: Logger) {}

  /** Matches waiting for the store. */
  get pending(): number {
    return this.#pending.size;
  }

  /**
   * Records `result`, now or once the store is back; `onStatus` hears 'waiting'
   * (once), then 'recorded', or 'stale' if the store refused the `fence`.
   */
  submit(result: MatchResult, onStatus?: (status: RecordStatus) => void, fence?: ResultFence): void {
    if (this.#pending.has(result.matchId)) return;
    this.#pending.set(result.matchId, { result, fence, onStatus });
    if (!this.#flushing && !this.#timer) void this.#flush();
  }

  /** {@link ResultsSink}: resolves once submitted (never rejects: the outbox owns retries). */
  async record(result: MatchResult, fence?: ResultFence): Promise<void> {
    this.submit(result, undefined, fence);
  }

  /** The store is reachable again: retry now rather than at the next backoff step. */
  nudge(): void {
    if (this.#pending.size === 0 || this.#flushing) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    this.#delayMs = FIRST_RETRY_MS;
    void this.#flush();
  }

  close(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    if (this.#pending.size > 0) this.log.warn({ matches: [...this.#pending.keys()] }, 'results still waiting for the store are lost with this process');
  }

  /** Tries every pending match once; never rejects. */
  async #flush(): Promise<void> {
    this.#flushing = true;
    let failed = false;
    for (const [matchId, entry] of [...this.#pending]) {
      try {
        await this.sink.record(entry.result, entry.fence);
        this.#pending.delete(matchId);
        entry.onStatus?.('recorded');
        // For the experiments' history checker (bench/experiment/history.ts).
        this.log.info({ history: 'result-recorded', matchId, roomId: entry.fence?.roomId ?? roomOf(matchId), epoch: entry.fence?.epoch ?? null, at: Date.now() },
          failed || this.#delayMs > FIRST_RETRY_MS ? 'results recorded after waiting for the store' : 'results recorded');
      } catch (err) {
        if (err instanceof StaleResultError) {
          this.#pending.delete(matchId);
          this.log.warn({ matchId, epoch: err.fence.epoch, currentEpoch: err.currentEpoch }, 'results refused: they come from a stale copy of the room');
          entry.onStatus?.('stale');
          continue;
        }
        if (!(err instanceof RedisUnavailableError)) {
          // Not an outage (a bug, or a result the store refuses): retrying cannot help.
          this.#pending.delete(matchId);
          this.log.error({ err, matchId }, 'could not record match results');
          continue;
        }
        if (!failed) this.log.warn({ matchId, pending: this.#pending.size }, 'store unreachable: results wait in this node\'s outbox');
        failed = true;
        entry.onStatus?.('waiting');
        entry.onStatus = onceRecorded(entry.onStatus);
      }
    }
    this.#flushing = false;
    if (this.#pending.size === 0) {
      this.#delayMs = FIRST_RETRY_MS;
      return;
    }
    this.#timer = setTimeout(() => {
      this.#timer = null;
      void this.#flush();
    }, this.#delayMs);
    this.#timer.unref?.();
    this.#delayMs = Math.min(this.#delayMs * 2, MAX_RETRY_MS);
  }
}

/** After the first 'waiting', only the outcome is worth telling again. */
function onceRecorded(fn: ((status: RecordStatus) => void) | undefined): ((status: RecordStatus) => void) | undefined {
  return fn && ((status) => {
    if (status !== 'waiting') fn(status);
  });
}

/** Match ids are `<roomId>:<match>`. */
function roomOf(matchId: string): string {
  return matchId.slice(0, matchId.lastIndexOf(':'));
}
