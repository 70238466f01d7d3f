import type { ClusterStatus, LeaderboardPage, PlayerProfile } from '../../shared/api';
import type { RoomMode } from '../../shared/protocol';
import { BotApi, type ApiSample } from '../../server/bots/api';
import { sleep, type LossRecord } from '../../server/bots/bot';
import { BotFleet } from '../../server/bots/fleet';
import { Rng } from '../../shared/rules/rng';
import { BenchStack } from '../support/stack';
import { fetchMetrics, gauge } from '../support/prometheus';
import { summarize, type Summary } from '../../shared/stats';
import { failoverMarks, type Injected, type Scenario } from './scenarios';
import { checkpointsLost, measureWaitCost, startFailoverProbes, type FailoverResult, type WaitCost } from './failover';
import { checkHistory, parseHistory, type RecordedResult } from './history';

export interface RunOptions {
  bots: number;
  perRoom?: number;
  gameNodes: number;
  /** Play before the fault, once every bot is in. */
  warmupMs: number;
  /** Longest wait for every bot to be back in play. */
  recoveryTimeoutMs: number;
  /** Play observed after recovery. */
  afterMs: number;
  matchSeconds: number;
  resultsSeconds: number;
  seed: number;
  /** redis-restart: how long the store stays down (default 1 s); network faults: how long until heal (default 3 s). */
  outageMs?: number;
  /** Self-fencing and the epoch check on results (default true; false = the lab's FENCING=off). */
  fencing?: boolean;
  /** Fault points on every path (default true; the benchmarks' failover runs go without). */
  faultPoints?: boolean;
  /** Called with a phase name and 0..1 progress inside this run. */
  onProgress?: (phase: string, fraction: number) => void;
}

/** Everything measured in one run. Times are ms; `at` fields are relative to the fault. */
export interface RunResult {
  scenario: string;
  mode: RoomMode;
  /** Whether the run's game nodes fenced themselves (FENCING=on). */
  fencing: boolean;
  run: number;
  seed: number;
  fault: Injected & { relativeTo: 'fault' };
  /** The history checker's verdict over every game node's records (bench/experiment/history.ts). */
  history: {
    copies: number;
    /** Two copies of one room accepting inputs at once: must be 0 with fencing on. */
    overlapMs: number;
    overlaps: number;
    /** Results recorded by a copy after a newer one claimed its room: must be 0 with fencing on. */
    staleResults: number;
    resultsRecorded: number;
    /** Copies that paused because their node's store lease lapsed (fencing). */
    copiesPaused: number;
    /** Times a node judged a peer dead and swept it. */
    deathsJudged: number;
    /** Bots that came back to the same match with fewer points than they had, though no tick was declared lost. */
    scoreRegressions: number;
  };
  bots: { players: number; joined: number; affected: number; failedJoins: number };
  detection: {
    /** Client side: each affected bot's loss detection after the fault. */
    clientMs: Summary;
    /** The cluster view (GET /v1/cluster) first showing the target dead/not alive. */
    clusterMs: number | null;
  };
  recovery: {
    /** Each affected bot: fault → first state patch with its player present again. */
    backInPlayMs: Summary;
    /** Where that time went, for the bots that followed their room (fault → the API's seat, → the socket open on the new host). */
    seatMs: Summary;
    joinedMs: Summary;
    /** Fault → every bot in play again (null if not within the timeout). */
    allBackMs: number | null;
    rejoined: number;
    sessionsLost: number;
    /** Why rejoins failed: API code → count. */
    lostCodes: Record<string, number>;
  };
  playLost: {
    /** Per affected bot: last message from the old host → back in play. */
    gapMs: Summary;
    ticks: Summary;
    ticksTotal: number;
    points: Summary;
    pointsTotal: number;
  };
  api: {
    /** From the fault to recovery (at least 2 s; a store outage: until the store is back): bots' calls and the background probe. */
    duringFault: ApiStats;
    /** From the end of that window to the end of the observation. */
    afterFault: ApiStats;
    overall: ApiStats;
  };
  /** store-failover only (null otherwise): the store's own view of the failover, ms after the SIGKILL. */
  failover: (FailoverResult & { waitCost: WaitCost }) | null;
  /** Store faults only (null otherwise). */
  store: {
    outageMs: number;
    /** The store back, ms after the fault. */
    backMs: number;
    /** Store back → every game node hosting checkpointed bots saved a checkpoint again (null: stateful, or not within 10 s). */
    checkpointsResumedMs: number | null;
    /** Store back → first API call that worked. */
    apiBackMs: number | null;
  } | null;
  processes: {
    /** Processes that exited during the run, other than the fault's own target ("node-2: exit 1"). Must be empty. */
    exits: string[];
    /** statecraft_unhandled_rejections_total summed over every process still up. Must be 0. */
    unhandledRejections: number;
  };
  leaderboard: {
    players: number;
    matchesSeen: number;
    /** Players whose recorded total is below what they were shown. Must be 0. */
    lost: number;
    lostPoints: number;
    /** Players whose recorded total exceeds what they were shown. Must be 0. */
    doubleCounted: number;
    doublePoints: number;
    unreadable: number;
  };
  timeline: {
    /** Bots in play per node, sampled every 100 ms. */
    occupancy: { t: number; byNode: Record<string, number>; recovering: number }[];
    api: { t: number; ms: number; ok: boolean; route: string }[];
    nodes: string[];
  };
  losses: LossRecord[];
  errors: string[];
  durationMs: number;
}

/** Checkpoints every 250 ms at 20 Hz (CHECKPOINT_MS and TICK_RATE defaults, which the runs keep): 5 ticks each. */
const TICKS_PER_CHECKPOINT = 5;

/** One run: a fresh private cluster, bots, a fault at a known time, the measurements, the teardown. */
export async function runOnce(scenario: Scenario, mode: RoomMode, run: number, options: RunOptions): Promise<RunResult> {
  const t0 = Date.now();
  const progress = options.onProgress ?? (() => {});
  const errors: string[] = [];
  const stack = new BenchStack();
  const fencing = options.fencing ?? true;
  const nodeLines: { id: string; line: string }[] = [];
  let fleet: BotFleet | null = null;
  let stopProbe = async () => {};
  let failoverProbes: Awaited<ReturnType<typeof startFailoverProbes>> | null = null;
  try {
    progress('starting cluster', 0);
    await stack.start({
      gameNodes: options.gameNodes,
      apis: 2,
      faultPoints: options.faultPoints ?? true,
      store: scenario.store ?? 'single',
      // Info level: the history records (copy-played, result-recorded) are info lines.
      env: { MATCH_SECONDS: String(options.matchSeconds), RESULTS_SECONDS: String(options.resultsSeconds), LOG_LEVEL: 'info', FENCING: fencing ? 'on' : 'off' },
      print: (id, line) => {
        if (errors.length < 50 && /"level":(50|60)/.test(line)) errors.push(`[${id}] ${line.slice(0, 300)}`);
        if (id.startsWith('node-') && /"history":|store lease lapsed|removed dead game processes/.test(line)) nodeLines.push({ id, line });
      },
    });
    let faultAt: number | null = null;
    fleet = new BotFleet({
      apiUrls: stack.apiUrls, players: options.bots, perRoom: options.perRoom, mode,
      faultAt: () => faultAt, namePrefix: `r${run}s${options.seed}`,
    });
    progress('seating bots', 0.1);
    const failedJoins = await fleet.start();
    const joined = options.bots - failedJoins;
    if (joined === 0) throw new Error(`no bot could join: ${fleet.bots[0]?.error ?? 'unknown'}`);
    const probe = startProbe(stack.apiUrls, fleet);
    stopProbe = probe.stop;
    const view = startClusterView(stack.apiUrls);
    const tag = `r${run}s${options.seed}${mode[0]}`;
    // What WAIT costs a result connection, measured on this run's store before the fault; then the store's own probes.
    const waitCost = scenario.store === 'ha' ? await measureWaitCost(stack.storeUrl, tag) : null;
    if (scenario.store === 'ha') failoverProbes = await startFailoverProbes(stack.storeUrl, tag);
    // A seeded jitter, so the fault lands at a different point of the tick and heartbeat cycles each run, reproducibly.
    await sleep(options.warmupMs + Math.floor(new Rng(options.seed * 1000 + run).range(0, 500)));

    progress('fault', 0.3);
    const nodesInPlay = Object.keys(fleet.byNode());
    const injected = await scenario.inject(stack, fleet, { ...(options.outageMs !== undefined ? { outageMs: options.outageMs } : {}) });
    faultAt = injected.at;
    const onTarget = fleet.bots.filter((b) => b.inPlay && b.node?.nodeId === injected.target);
    const affectedBefore = new Set(onTarget.map((b) => b.playerId));
    const lossesBefore = new Map(onTarget.map((b) => [b, b.losses.length]));
    // A frozen host is only noticed after the silence threshold: first wait for its players to notice at all.
    if (scenario.losesPlayers?.(mode) ?? true) await fleet.until(() => onTarget.every((b) => b.losses.length > lossesBefore.get(b)!), options.recoveryTimeoutMs);
    // A fault with a length (the store's outage) runs its course; recovery is measured from its end.
    if (scenario.over) {
      progress('outage', 0.35);
      await scenario.over(stack, injected);
    }
    const marks = failoverMarks(injected);
    let failover: RunResult['failover'] = null;
    if (marks && failoverProbes && waitCost) {
      await fleet.until(() => failoverProbes!.accepted(marks.killedAt), options.recoveryTimeoutMs);
      failover = {
        ...await failoverProbes.finish(marks.killedAt),
        promotedMs: marks.promotedAt === null ? null : marks.promotedAt - marks.killedAt,
        checkpoints: mode === 'checkpointed' && marks.held ? checkpointsLost(marks.acked.marks, marks.held.marks, TICKS_PER_CHECKPOINT) : null,
        replicationLagBytes: marks.held && Number.isFinite(marks.acked.offset - marks.held.offset) ? Math.max(0, marks.acked.offset - marks.held.offset) : null,
        waitCost,
      };
      failoverProbes = null;
    }
    const resumedMs = injected.storeBackAt !== undefined && mode === 'checkpointed'
      ? await checkpointsResumed(stack, nodesInPlay, injected.storeBackAt)
      : null;

    // Recovery: the target seen as not alive, and every bot that was in play back in play.
    await fleet.until(() => fleet!.bots.every((b) => b.phase === 'failed' || (b.inPlay && b.losses.every((l) => l.backInPlayAt !== null || l.outcome === 'failed'))) && Date.now() - injected.at > 200, options.recoveryTimeoutMs);
    const recoveredAt = Date.now();
    const allBack = fleet.bots.filter((b) => b.joins > 0).every((b) => b.inPlay);
    await scenario.after?.(stack, injected);
    progress('observing', 0.6);
    // After a store outage, watch long enough to see the API's error rate once it is back.
    await sleep(injected.storeBackAt !== undefined ? Math.max(options.afterMs, 3000) : options.afterMs);
    const windowEnd = injected.storeBackAt ?? Math.max(recoveredAt, injected.at + 2000);
    const processes = await processHealth(stack, injected.target);

    progress('finishing matches', 0.7);
    await probe.stop();
    stopProbe = async () => {};
    view.stop();
    // Leave between matches, so every point scored is in a result the bots were shown.
    await fleet.stop((options.matchSeconds + options.resultsSeconds) * 1000 + 2000);
    progress('checking leaderboard', 0.9);
    const leaderboard = await checkLeaderboard(stack.apiUrls, fleet);

    const losses = fleet.losses();
    const apiSamples = [...fleet.apiSamples, ...probe.samples];
    const during = apiSamples.filter((s) => s.at >= injected.at && s.at <= windowEnd);
    const after = apiSamples.filter((s) => s.at > windowEnd && s.at <= windowEnd + Math.max(options.afterMs, 3000));
    const firstOk = injected.storeBackAt === undefined ? undefined
      : apiSamples.filter((s) => s.ok && s.at + s.ms >= injected.storeBackAt!).sort((a, b) => a.at + a.ms - (b.at + b.ms))[0];
    const lostCodes: Record<string, number> = {};
    for (const l of losses) if (l.lostCode) lostCodes[l.lostCode] = (lostCodes[l.lostCode] ?? 0) + 1;
    const backs = losses.filter((l) => l.backInPlayMs !== null);
    const clusterMs = view.firstDown(injected);
    // Every node has flushed its records once the bots left (a copy records a stretch when it stops playing).
    await sleep(300);
    return {
      scenario: scenario.name, mode, fencing, run, seed: options.seed,
      fault: { ...injected, relativeTo: 'fault' },
      history: judgeHistory(nodeLines, losses),
      bots: { players: options.bots, joined, affected: affectedBefore.size, failedJoins },
      detection: { clientMs: summarize(numbers(losses.map((l) => l.detectedMs))), clusterMs },
      recovery: {
        backInPlayMs: summarize(backs.map((l) => l.backInPlayMs!)),
        seatMs: summarize(numbers(losses.map((l) => l.seatAt === null ? null : l.seatAt - injected.at))),
        joinedMs: summarize(numbers(losses.map((l) => l.joinedAt === null ? null : l.joinedAt - injected.at))),
        allBackMs: allBack ? (backs.length ? Math.max(...backs.map((l) => l.backInPlayAt! - injected.at)) : 0) : null,
        rejoined: losses.filter((l) => l.outcome === 'rejoined').length,
        sessionsLost: losses.filter((l) => l.outcome === 'session-lost').length,
        lostCodes,
      },
      playLost: {
        gapMs: summarize(numbers(losses.map((l) => l.gapMs))),
        ticks: summarize(numbers(losses.map((l) => l.ticksLost))),
        ticksTotal: sum(numbers(losses.map((l) => l.ticksLost))),
        points: summarize(numbers(losses.map((l) => l.pointsLost))),
        pointsTotal: sum(numbers(losses.map((l) => l.pointsLost))),
      },
      api: { duringFault: apiStats(during), afterFault: apiStats(after), overall: apiStats(apiSamples) },
      failover,
      store: injected.storeBackAt === undefined ? null : {
        outageMs: injected.outageMs ?? 0,
        backMs: injected.storeBackAt - injected.at,
        checkpointsResumedMs: resumedMs,
        apiBackMs: firstOk ? Math.max(0, firstOk.at + firstOk.ms - injected.storeBackAt) : null,
      },
      processes,
      leaderboard,
      timeline: {
        occupancy: fleet.occupancy.map((o) => ({ t: o.at - injected.at, byNode: o.byNode, recovering: o.recovering })),
        api: apiSamples.map((s) => ({ t: s.at - injected.at, ms: round(s.ms), ok: s.ok, route: s.route })).sort((a, b) => a.t - b.t),
        nodes: stack.cluster!.list('game').map((c) => c.spec.id),
      },
      losses,
      errors: [...errors, ...new Set(fleet.bots.map((b) => b.error).filter((e): e is string => e !== null))],
      durationMs: Date.now() - t0,
    };
  } finally {
    failoverProbes?.stop();
    await stopProbe();
    await fleet?.stop(0).catch(() => {});
    await stack.stop();
  }
}

/**
 * The history checker over every game node's records. A result recorded unfenced (FENCING=off
 * logs no epoch) is attributed to the copy its node held of that room at the time, so a stale
 * copy's results are counted in the lab's split-brain mode too.
 */
function judgeHistory(nodeLines: { id: string; line: string }[], losses: LossRecord[]): RunResult['history'] {
  const { plays } = parseHistory(nodeLines.map((l) => l.line));
  const results: RecordedResult[] = [];
  for (const { id, line } of nodeLines) {
    const [r] = parseHistory([line]).results;
    if (!r) continue;
    const held = plays.filter((p) => p.roomId === r.roomId && p.nodeId === id && p.from <= r.at).map((p) => p.epoch);
    results.push(r.epoch === null && held.length ? { ...r, epoch: Math.max(...held) } : r);
  }
  const verdict = checkHistory(plays, results);
  return {
    copies: new Set(plays.map((p) => `${p.roomId}@${p.epoch}`)).size,
    overlapMs: verdict.overlapMs,
    overlaps: verdict.overlaps.length,
    staleResults: verdict.staleResults.length,
    resultsRecorded: results.length,
    copiesPaused: nodeLines.filter((l) => l.line.includes('store lease lapsed')).length,
    deathsJudged: nodeLines.filter((l) => l.line.includes('removed dead game processes')).length,
    scoreRegressions: losses.filter((l) => (l.pointsLost ?? 0) > 0 && l.ticksLost === 0 && l.outcome === 'rejoined').length,
  };
}

/** Background API traffic during the run: a top-10 read and an authenticated profile read, in turn, ~20 per second. */
function startProbe(apiUrls: string[], fleet: BotFleet): { samples: ApiSample[]; stop: () => Promise<void> } {
  const samples: ApiSample[] = [];
  const api = new BotApi(apiUrls, samples, 2000);
  let running = true;
  const loop = (async () => {
    for (let i = 0; running; i++) {
      const token = fleet.bots[i % fleet.bots.length]?.session?.accessToken;
      const call = i % 2 === 0 || !token
        ? api.request<LeaderboardPage>('GET', '/v1/leaderboards/score-total?limit=10', { route: 'GET /v1/leaderboards/:board' })
        : api.request<PlayerProfile>('GET', '/v1/players/me', { token, route: 'GET /v1/players/me' });
      await call.catch(() => {});
      await sleep(50);
    }
  })();
  return { samples, stop: async () => ((running = false), await loop) };
}

/** Polls GET /v1/cluster every 100 ms, remembering when each process was first seen not alive. */
function startClusterView(apiUrls: string[]) {
  const api = new BotApi(apiUrls, [], 1000);
  const down = new Map<string, number>();
  let running = true;
  void (async () => {
    while (running) {
      const seenAt = Date.now();
      try {
        const c = await api.request<ClusterStatus>('GET', '/v1/cluster');
        for (const n of c.nodes) if (n.state !== 'alive' && !down.has(n.id)) down.set(n.id, seenAt);
        for (const a of c.apis) if (!a.alive && !down.has(a.id)) down.set(a.id, seenAt);
      } catch {
        // the view is down too (redis restart): keep polling
      }
      await sleep(100);
    }
  })();
  return {
    stop: () => void (running = false),
    firstDown: (f: Injected): number | null => {
      const at = down.get(f.target);
      return at !== undefined && at >= f.at - 100 ? Math.max(0, at - f.at) : null;
    },
  };
}

/**
 * Compares each bot's `score-total` on the leaderboard with the results it was
 * shown: below the sum of those the host acknowledged as recorded = lost;
 * above that sum plus those never acknowledged either way (the bot may have
 * left before the notice) = counted twice. Results refused as stale are owed nothing.
 */
async function checkLeaderboard(apiUrls: string[], fleet: BotFleet): Promise<RunResult['leaderboard']> {
  const api = new BotApi(apiUrls, [], 3000);
  const bots = fleet.bots.filter((b) => b.session);
  const read = async () => Promise.all(bots.map(async (b) => {
    try {
      const me = await api.request<PlayerProfile>('GET', '/v1/players/me', { token: b.session!.accessToken });
      return me.standings.find((s) => s.board === 'score-total')?.score ?? 0;
    } catch {
      return null;
    }
  }));
  // Results are written asynchronously by the node: read until two reads 300 ms apart agree.
  let recorded = await read();
  for (let i = 0; i < 10; i++) {
    await sleep(300);
    const again = await read();
    const same = again.every((v, j) => v === recorded[j]);
    recorded = again;
    if (same) break;
  }
  const out = { players: bots.length, matchesSeen: 0, lost: 0, lostPoints: 0, doubleCounted: 0, doublePoints: 0, unreadable: 0 };
  const matches = new Set<string>();
  bots.forEach((b, i) => {
    for (const id of b.results.keys()) matches.add(id);
    const shown = [...b.results.values()];
    const acknowledged = sum(shown.filter((r) => r.status === 'recorded').map((r) => r.score));
    const atMost = acknowledged + sum(shown.filter((r) => r.status === 'shown').map((r) => r.score));
    const got = recorded[i];
    if (got === null || got === undefined) return void out.unreadable++;
    if (got < acknowledged) {
      out.lost++;
      out.lostPoints += acknowledged - got;
    } else if (got > atMost) {
      out.doubleCounted++;
      out.doublePoints += got - atMost;
    }
  });
  out.matchesSeen = matches.size;
  return out;
}

/**
 * Store back → each node that hosted checkpointed bots saved again (its
 * statecraft_checkpoint_resumed_timestamp_seconds, the first save after a gap,
 * at or after the return). The slowest node; null if one did not within 10 s.
 */
async function checkpointsResumed(stack: BenchStack, nodeIds: string[], backAt: number): Promise<number | null> {
  const deadline = Date.now() + 10_000;
  const resumed = new Map<string, number>();
  while (resumed.size < nodeIds.length && Date.now() < deadline) {
    for (const id of nodeIds.filter((n) => !resumed.has(n))) {
      const at = await fetchMetrics(`127.0.0.1:${stack.cluster!.get(id).spec.port}`)
        .then((m) => gauge(m, 'statecraft_checkpoint_resumed_timestamp_seconds') * 1000, () => Number.NaN);
      // The gauge is set by the save after the gap, so it can be a hair before the experiment saw the server ready.
      if (at >= backAt - 250) resumed.set(id, Math.max(0, at - backAt));
    }
    await sleep(50);
  }
  return resumed.size === nodeIds.length ? Math.max(0, ...resumed.values()) : null;
}

/** Who exited (other than the fault's target) and how many unhandled rejections the others counted. */
async function processHealth(stack: BenchStack, target: string): Promise<RunResult['processes']> {
  const children = stack.cluster!.list();
  const exits = children.filter((c) => c.spec.id !== target && c.lastExit !== null).map((c) => `${c.spec.id}: ${c.lastExit}`);
  const counts = await Promise.all(children.filter((c) => c.process).map((c) => fetchMetrics(`127.0.0.1:${c.spec.port}`)
    .then((m) => gauge(m, 'statecraft_unhandled_rejections_total'), () => Number.NaN)));
  return { exits, unhandledRejections: counts.filter((n) => !Number.isNaN(n)).reduce((a, b) => a + b, 0) };
}

interface ApiStats { requests: number; ok: number; successRate: number; latencyMs: Summary }

function apiStats(samples: ApiSample[]): ApiStats {
  const ok = samples.filter((s) => s.ok).length;
  return { requests: samples.length, ok, successRate: samples.length ? ok / samples.length : 1, latencyMs: summarize(samples.map((s) => s.ms)) };
}

function numbers(values: (number | null)[]): number[] {
  return values.filter((v): v is number => v !== null);
}

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

function round(v: number): number {
  return Math.round(v * 10) / 10;
}
