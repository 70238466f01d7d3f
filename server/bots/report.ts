import { summarize, type Summary } from '../../shared/stats';
import type { BotFleet } from './fleet';

export interface FleetReport {
  players: number;
  joined: number;
  failed: number;
  durationMs: number;
  inPlayAtEnd: number;
  rooms: number;
  losses: number;
  sessionsLost: number;
  rejoined: number;
  rttMs: Summary;
  bytesPerClientPerSec: number;
  messagesPerClientPerSec: number;
  inputsSent: number;
  api: { requests: number; ok: number; successRate: number; latencyMs: Summary };
  errors: string[];
}

/** What the fleet saw, in numbers. */
export function reportFleet(fleet: BotFleet, durationMs: number): FleetReport {
  const bots = fleet.bots;
  const losses = fleet.losses();
  const rtts = bots.flatMap((b) => b.rtts);
  const bytes = bots.reduce((a, b) => a + b.bytesIn, 0);
  const messages = bots.reduce((a, b) => a + b.messagesIn, 0);
  const joined = bots.filter((b) => b.joins > 0).length;
  const seconds = Math.max(durationMs / 1000, 0.001);
  const api = fleet.apiSamples;
  const ok = api.filter((s) => s.ok).length;
  return {
    players: bots.length,
    joined,
    failed: bots.filter((b) => b.phase === 'failed').length,
    durationMs,
    inPlayAtEnd: fleet.inPlay(),
    rooms: new Set(bots.map((b) => b.node?.roomId).filter(Boolean)).size,
    losses: losses.length,
    sessionsLost: losses.filter((l) => l.outcome === 'session-lost').length,
    rejoined: losses.filter((l) => l.outcome === 'rejoined').length,
    rttMs: summarize(rtts),
    bytesPerClientPerSec: joined ? bytes / joined / seconds : 0,
    messagesPerClientPerSec: joined ? messages / joined / seconds : 0,
    inputsSent: bots.reduce((a, b) => a + b.inputsSent, 0),
    api: { requests: api.length, ok, successRate: api.length ? ok / api.length : 1, latencyMs: summarize(api.map((s) => s.ms)) },
    errors: [...new Set(bots.map((b) => b.error).filter((e): e is string => e !== null))].slice(0, 10),
  };
}
