import { Protocol } from '@colyseus/sdk';
import { WebSocket } from 'ws';
import type { MatchmakeBody, MatchmakeResult } from '../../shared/api';
import { HEARTBEAT, type RoomMode } from '../../shared/protocol';
import { BotApi } from '../../server/bots/api';
import { paced } from '../../server/bots/pace';
import { SessionStore } from '../../client/src/net/session';
import { SilenceWatch } from '../../client/src/net/silence';
import type { ClientsSample } from './generator';

/**
 * The capacity curve's players: seated like bots (a guest login and a matchmake through the real
 * API), then on the game node's own wire protocol without the SDK. They acknowledge the join,
 * send an input every tick and a ping every second, as the bots do, and read nothing: the node
 * cannot tell them from bots (it encodes and sends the same patches), but they cost the load
 * core about half what a bot does (0.42-0.54 of it per 1000 against 0.97: a bot decodes every
 * patch and steers), and bots capped the curve at ~1000 players on the one load core. A client
 * that finds its host silent as a bot would (SilenceWatch) counts as a loss: a false death of the live node.
 */
export class LightClients {
  readonly #clients: LightClient[] = [];
  bytesIn = 0;
  messagesIn = 0;
  #stopClock: (() => void) | null = null;

  constructor(private readonly options: { apiUrls: string[]; players: number; perRoom: number; mode: RoomMode; namePrefix: string; concurrency?: number }) {}

  /** Seats every client (bounded concurrency) and starts their clock; resolves with how many failed. */
  async start(): Promise<number> {
    const api = new BotApi(this.options.apiUrls);
    const body: MatchmakeBody = { mode: this.options.mode, maxPlayers: this.options.perRoom };
    let next = 0;
    let failed = 0;
    const worker = async () => {
      while (next < this.options.players) {
        const sessions = new SessionStore(api);
        const name = `${this.options.namePrefix}-${next++}`;
        try {
          await sessions.ensure(name);
          const { reservation } = await sessions.authorized<MatchmakeResult>('POST', '/v1/matchmake', { body });
          if (!reservation.publicAddress) throw new Error('the seat reservation names no host');
          this.#clients.push(await LightClient.connect(`ws://${reservation.publicAddress}/${reservation.processId}/${reservation.roomId}?sessionId=${reservation.sessionId}`, this, reservation.roomId));
        } catch {
          failed++;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.options.concurrency ?? 25, this.options.players) }, worker));
    const pingEvery = Math.round(HEARTBEAT.pingMs / 50);
    this.#stopClock = paced(50, () => this.#clients.length, (i) => this.#clients[i]!.tick(pingEvery));
    return failed;
  }

  /** What the clients heard so far and how they stand, for the generator's sample. */
  sample(): ClientsSample {
    return {
      bytesIn: this.bytesIn,
      messagesIn: this.messagesIn,
      inPlay: this.#clients.filter((c) => c.open && !c.lost).length,
      losses: this.#clients.filter((c) => c.lost).length,
      rooms: [...new Set(this.#clients.map((c) => c.roomId))],
    };
  }

  stop(): void {
    this.#stopClock?.();
    for (const c of this.#clients) c.close();
  }
}

const JOIN_ACK = Uint8Array.of(Protocol.JOIN_ROOM);
const ascii = (text: string) => [...Buffer.from(text)];
/** `[ROOM_DATA, fixstr type]`: the header the SDK writes before a message's msgpack body. */
const header = (type: string) => [Protocol.ROOM_DATA, 0xa0 | type.length, ...ascii(type)];
/**
 * `input {seq, dx, dy}` as msgpack, laid out once per client: a fixmap of 3, `seq` a uint32 and
 * `dx`, `dy` positive or negative fixints. Each tick writes the three values in place and sends
 * it (ws masks a copy), so a client allocates nothing per input, as a raw client does not.
 */
const INPUT_TEMPLATE = [...header('input'), 0x83, 0xa3, ...ascii('seq'), 0xce, 0, 0, 0, 0, 0xa2, ...ascii('dx'), 0, 0xa2, ...ascii('dy'), 0];
const SEQ_AT = INPUT_TEMPLATE.indexOf(0xce) + 1;
const DX_AT = SEQ_AT + 4 + 3;
const DY_AT = DX_AT + 1 + 3;
/** `ping {t}` with `t` a float64, as the SDK packs Date.now(). */
const PING_TEMPLATE = [...header('ping'), 0x81, 0xa1, ...ascii('t'), 0xcb, 0, 0, 0, 0, 0, 0, 0, 0];
const T_AT = PING_TEMPLATE.indexOf(0xcb) + 1;
/** The eight ways to walk: a client turns to the next every second (it never stands still). */
const DIRECTIONS = [[1, 0], [1, 1], [0, 1], [-1, 1], [-1, 0], [-1, -1], [0, -1], [1, -1]] as const;

class LightClient {
  open = true;
  lost = false;
  #lastMessageAt = performance.now();
  readonly #silence = new SilenceWatch();
  #seq = 0;
  readonly #input = Buffer.from(INPUT_TEMPLATE);
  readonly #ping = Buffer.from(PING_TEMPLATE);

  private constructor(private readonly ws: WebSocket, readonly roomId: string) {}

  static connect(url: string, counts: { bytesIn: number; messagesIn: number }, roomId: string): Promise<LightClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { perMessageDeflate: false });
      const client = new LightClient(ws, roomId);
      ws.on('message', (data: Buffer) => {
        counts.bytesIn += data.length;
        counts.messagesIn++;
        client.#lastMessageAt = performance.now();
        if ((data[0]! & 0x1f) === Protocol.JOIN_ROOM) {
          ws.send(JOIN_ACK);
          resolve(client);
        }
      });
      ws.on('error', reject); // before the join: it failed; after: the close that follows ends the client
      ws.once('close', () => {
        client.open = false;
        reject(new Error(`closed before the join: ${url}`));
      });
    });
  }

  /** One tick: an input (a walk that turns every second), a ping when due, and the silence check. */
  tick(pingEvery: number): void {
    if (!this.open) return;
    if (!this.lost && this.#silence.silent(performance.now(), this.#lastMessageAt)) this.lost = true;
    this.#seq++;
    this.#input.writeUInt32BE(this.#seq, SEQ_AT);
    if (this.#seq % 20 === 1) {
      const [dx, dy] = DIRECTIONS[Math.floor(this.#seq / 20) % DIRECTIONS.length]!;
      this.#input.writeInt8(dx, DX_AT);
      this.#input.writeInt8(dy, DY_AT);
    }
    this.ws.send(this.#input);
    if (this.#seq % pingEvery === 0) {
      this.#ping.writeDoubleBE(Date.now(), T_AT);
      this.ws.send(this.#ping);
    }
  }

  close(): void {
    this.open = false;
    this.ws.terminate();
  }
}
