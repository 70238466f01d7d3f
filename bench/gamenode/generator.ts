import { WebSocket } from 'ws';
import { HEARTBEAT, type RoomMode } from '../../shared/protocol';
import { BotFleet } from '../../server/bots/fleet';
import { paced } from '../../server/bots/pace';
import { LightClients } from './light-client';

/**
 * One load-generator process (started by bench/gamenode/bench.ts on the load
 * core): a fleet of bots through the real API, light clients seated the same way
 * (the capacity curve: light-client.ts), or raw `ws` clients for the baseline.
 * Driven over the IPC channel; reports its own CPU so a saturated generator
 * shows in the results.
 *   → {type:'bots'|'light', apiUrls, players, perRoom, mode, namePrefix} | {type:'raw', url, clients, perRoom, roomBase}
 *   ← {type:'seated', joined, failed}
 *   → {type:'sample'}  ← {type:'sample', bytesIn, messagesIn, inPlay, losses, rooms, cpuSeconds}
 *   → {type:'stop'}    (leaves, then exits)
 */
export type GeneratorCommand =
  | { type: 'bots' | 'light'; apiUrls: string[]; players: number; perRoom: number; mode: RoomMode; namePrefix: string }
  | { type: 'raw'; url: string; clients: number; perRoom: number; roomBase: number }
  | { type: 'sample' }
  | { type: 'stop' };

export interface GeneratorSample {
  type: 'sample';
  bytesIn: number;
  messagesIn: number;
  inPlay: number;
  /** Times a bot lost its host since it was seated (the host lives throughout: each a false alarm). */
  losses: number;
  rooms: string[];
  /** This process's user + system CPU so far, seconds. */
  cpuSeconds: number;
}

/** What a generator's clients have heard and how they stand: a sample but for the process's CPU. */
export type ClientsSample = Omit<GeneratorSample, 'type' | 'cpuSeconds'>;

const TICK_RATE = 20;
let fleet: BotFleet | null = null;
let light: LightClients | null = null;
const raw: WebSocket[] = [];
const rawTraffic = { bytes: 0, messages: 0 };
/** Reads this process's clients, whichever kind the command started. */
let observe = (): ClientsSample => ({ bytesIn: 0, messagesIn: 0, inPlay: 0, losses: 0, rooms: [] });
let stopRaw: (() => void) | undefined;

const send = (message: object) => process.send?.(message);
const cpuNow = () => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1e6;
};

async function startRaw(url: string, clients: number, perRoom: number, roomBase: number): Promise<number> {
  for (let i = 0; i < clients; i += 50) {
    await Promise.all(Array.from({ length: Math.min(50, clients - i) }, (_, j) => new Promise<void>((resolve, reject) => {
      const ws = new WebSocket(`${url}/?room=${roomBase + Math.floor((i + j) / perRoom)}`, { perMessageDeflate: false });
      ws.on('message', (data: Buffer) => {
        rawTraffic.bytes += data.length;
        rawTraffic.messages++;
      });
      ws.once('open', () => resolve());
      ws.once('error', reject);
      raw.push(ws);
    })));
  }
  // Inputs at the tick rate, spread over the tick as the bots' are, and pings as often as the bots ping.
  const input = Buffer.from([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
  const ping = Buffer.from([1, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  const pingEvery = Math.max(1, Math.round(HEARTBEAT.pingMs / (1000 / TICK_RATE)));
  const sent = new Uint32Array(raw.length);
  stopRaw = paced(1000 / TICK_RATE, () => raw.length, (i) => {
    const ws = raw[i]!;
    ws.send(input);
    if (++sent[i]! % pingEvery === 0) ws.send(ping);
  });
  return raw.length;
}

process.on('message', (command: GeneratorCommand) => {
  void (async () => {
    switch (command.type) {
      case 'bots': {
        fleet = new BotFleet({ apiUrls: command.apiUrls, players: command.players, perRoom: command.perRoom, mode: command.mode, concurrency: 25, namePrefix: command.namePrefix });
        const bots = fleet;
        observe = () => ({
          bytesIn: bots.bots.reduce((a, b) => a + b.bytesIn, 0),
          messagesIn: bots.bots.reduce((a, b) => a + b.messagesIn, 0),
          inPlay: bots.inPlay(),
          losses: bots.losses().length,
          rooms: [...new Set(bots.bots.map((b) => b.node?.roomId).filter((r): r is string => !!r))],
        });
        const failed = await fleet.start();
        send({ type: 'seated', joined: command.players - failed, failed });
        break;
      }
      case 'light': {
        const clients = light = new LightClients(command);
        observe = () => clients.sample();
        const failed = await clients.start();
        send({ type: 'seated', joined: command.players - failed, failed });
        break;
      }
      case 'raw':
        observe = () => ({
          bytesIn: rawTraffic.bytes, messagesIn: rawTraffic.messages,
          inPlay: raw.filter((ws) => ws.readyState === WebSocket.OPEN).length, losses: 0, rooms: [],
        });
        send({ type: 'seated', joined: await startRaw(command.url, command.clients, command.perRoom, command.roomBase), failed: 0 });
        break;
      case 'sample':
        send({ type: 'sample', ...observe(), cpuSeconds: cpuNow() } satisfies GeneratorSample);
        break;
      case 'stop':
        stopRaw?.();
        light?.stop();
        for (const ws of raw) ws.terminate();
        await fleet?.stop(0);
        process.exit(0);
    }
  })().catch((err: unknown) => {
    console.error('generator:', err);
    process.exit(1);
  });
});
process.on('disconnect', () => process.exit(0)); // the bench went away
send({ type: 'ready' });
