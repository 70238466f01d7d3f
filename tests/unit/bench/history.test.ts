import { describe, expect, it } from 'vitest';
import { checkHistory, parseHistory, type PlayRecord } from '../../../bench/experiment/history';

const play = (epoch: number, from: number, to: number, roomId = 'r1', nodeId = `node-${epoch}`): PlayRecord =>
  ({ roomId, epoch, nodeId, firstTick: from, lastTick: to, from, to });

describe('history checker', () => {
  it('finds no overlap when a restored copy starts after the old one stopped', () => {
    const v = checkHistory([play(1, 0, 1000), play(2, 1200, 5000)], []);
    expect(v).toMatchObject({ overlaps: [], overlapMs: 0 });
  });

  it('measures split brain: two epochs of one room accepting inputs at once', () => {
    const v = checkHistory([play(1, 0, 3000), play(2, 1200, 5000), play(1, 0, 9000, 'other')], []);
    expect(v.overlapMs).toBe(1800);
    expect(v.overlaps).toEqual([{ roomId: 'r1', epochs: [1, 2], nodes: ['node-1', 'node-2'], ms: 1800 }]);
  });

  it('does not count one copy paused and resumed as an overlap', () => {
    expect(checkHistory([play(3, 0, 100), play(3, 50, 400)], []).overlapMs).toBe(0);
  });

  it('flags results recorded by a copy after a newer copy had claimed the room', () => {
    const plays = [play(1, 0, 3000), play(2, 1200, 5000)];
    const v = checkHistory(plays, [
      { matchId: 'r1:1', roomId: 'r1', epoch: 1, at: 1000 },
      { matchId: 'r1:2', roomId: 'r1', epoch: 1, at: 2500 },
      { matchId: 'r1:3', roomId: 'r1', epoch: 2, at: 4000 },
      { matchId: 's:1', roomId: 's', epoch: null, at: 4000 },
    ]);
    expect(v.staleResults.map((r) => r.matchId)).toEqual(['r1:2']);
  });

  it('reads the records out of pino log lines and skips everything else', () => {
    const lines = [
      'not json',
      JSON.stringify({ level: 30, history: 'copy-played', roomId: 'r1', epoch: 1, nodeId: 'node-1', firstTick: 1, lastTick: 9, from: 1, to: 2 }),
      JSON.stringify({ level: 30, history: 'result-recorded', matchId: 'r1:1', roomId: 'r1', epoch: 1, at: 3 }),
      JSON.stringify({ level: 30, msg: 'room created' }),
    ];
    const { plays, results } = parseHistory(lines);
    expect(plays).toHaveLength(1);
    expect(results).toEqual([expect.objectContaining({ matchId: 'r1:1', epoch: 1 })]);
  });
});
