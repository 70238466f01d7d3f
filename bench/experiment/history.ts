/**
 * A history checker in the style of Jepsen: the experiment collects what every
 * copy of every room did (from the game nodes' logs) and this module judges it
 * afterwards, without trusting any single process's view.
 */

/** One stretch in which one copy of a room accepted inputs (logged by fencing.ts as `copy-played`). */
export interface PlayRecord {
  roomId: string;
  epoch: number;
  nodeId: string;
  firstTick: number;
  lastTick: number;
  /** Wall-clock ms. */
  from: number;
  to: number;
}

/** A match's results as the store accepted them (logged by the outbox as `result-recorded`). */
export interface RecordedResult {
  matchId: string;
  roomId: string;
  /** Epoch of the copy that recorded it (null: a stateful room, which has none). */
  epoch: number | null;
  /** Wall-clock ms. */
  at: number;
}

export interface Overlap {
  roomId: string;
  epochs: [number, number];
  nodes: [string, string];
  ms: number;
}

export interface HistoryVerdict {
  /** Copies of one room accepting inputs at the same time (split brain): must be none with fencing on. */
  overlaps: Overlap[];
  overlapMs: number;
  /** Results recorded by a copy after a newer copy of its room had claimed it. */
  staleResults: RecordedResult[];
}

/** Judges a run's history: overlapping copies and results recorded by stale ones. */
export function checkHistory(plays: readonly PlayRecord[], results: readonly RecordedResult[]): HistoryVerdict {
  const byRoom = new Map<string, PlayRecord[]>();
  for (const p of plays) byRoom.set(p.roomId, [...(byRoom.get(p.roomId) ?? []), p]);

  const overlaps: Overlap[] = [];
  for (const [roomId, copies] of byRoom) {
    for (let i = 0; i < copies.length; i++) {
      for (let j = i + 1; j < copies.length; j++) {
        const a = copies[i]!;
        const b = copies[j]!;
        if (a.epoch === b.epoch) continue; // one copy's stretches, paused and resumed
        const ms = Math.min(a.to, b.to) - Math.max(a.from, b.from);
        if (ms > 0) overlaps.push({ roomId, epochs: [a.epoch, b.epoch], nodes: [a.nodeId, b.nodeId], ms });
      }
    }
  }

  const staleResults = results.filter((r) => r.epoch !== null
    && (byRoom.get(r.roomId) ?? []).some((p) => p.epoch > r.epoch! && p.from <= r.at));

  return { overlaps, overlapMs: overlaps.reduce((sum, o) => sum + o.ms, 0), staleResults };
}

/** Picks the history records out of game-node log lines (pino JSON; anything else is ignored). */
export function parseHistory(lines: Iterable<string>): { plays: PlayRecord[]; results: RecordedResult[] } {
  const plays: PlayRecord[] = [];
  const results: RecordedResult[] = [];
  for (const line of lines) {
    if (!line.includes('"history":')) continue;
    let entry: Record<string, unknown>;
    try {
      entry = JSON.parse(line) as Record<string, unknown>;
    } catch {
      continue;
    }
    if (entry.history === 'copy-played') plays.push(entry as unknown as PlayRecord);
    if (entry.history === 'result-recorded') results.push(entry as unknown as RecordedResult);
  }
  return { plays, results };
}
