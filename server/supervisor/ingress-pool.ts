import { request } from 'node:http';
import { INSTANCE_HEADER, type HealthStatus } from '../../shared/api';
import type { Endpoint } from './topology';

/**
 * - `ready`: GET /health/ready answered 200: in the pool;
 * - `unready`: it answers, but not 200 (it cannot reach the store, or it is draining): out, unless nobody is ready;
 * - `down`: no answer (refused, reset, timed out): a dead instance, or a drained one that closed.
 */
export type MemberState = 'ready' | 'unready' | 'down';

/** One API instance as the balancer sees it (GET /ingress/pool). */
export interface PoolMember {
  id: string;
  target: string;
  state: MemberState;
  /** Epoch ms of the last state change. */
  since: number;
  /** Epoch ms of the last check that finished. */
  checkedAt: number | null;
  /** What the last failed check saw (null when ready). */
  reason: string | null;
}

/** Between two checks of one instance; with the timeout it bounds how long a dead one stays in: < 1 s. */
export const CHECK_INTERVAL_MS = 250;
export const CHECK_TIMEOUT_MS = 250;

interface Member extends PoolMember {
  endpoint: Endpoint;
  checking: boolean;
}

/**
 * The API instances behind `/api`, health-checked actively (GET /health/ready
 * every 250 ms, each on a new connection so a dead host cannot hide behind a
 * pooled socket) and passively (a request the instance refused takes it out
 * at once). Picks round robin among the ready ones.
 */
export class ApiPool {
  readonly #members: Member[];
  #next = 0;
  #timer: NodeJS.Timeout | null = null;

  constructor(apis: { id: string; target: Endpoint }[], readonly intervalMs = CHECK_INTERVAL_MS, readonly timeoutMs = CHECK_TIMEOUT_MS) {
    // Nobody is in until a check says so: an instance still booting gets no traffic.
    this.#members = apis.map((a) => ({
      id: a.id, endpoint: a.target, target: `${a.target.host}:${a.target.port}`, state: 'down', since: Date.now(), checkedAt: null, reason: 'not checked yet', checking: false,
    }));
  }

  /** Checks every instance now, then every `intervalMs`. Resolves after the first round. */
  async start(): Promise<void> {
    await Promise.all(this.#members.map((m) => this.#check(m)));
    this.#timer = setInterval(() => {
      for (const m of this.#members) if (!m.checking) void this.#check(m);
    }, this.intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }

  /** Resolves once `id` is in `state` (a test or the bench waiting on the balancer, not on a clock). */
  async until(id: string, state: MemberState, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.#members.find((m) => m.id === id)?.state !== state) {
      if (Date.now() > deadline) throw new Error(`${id} did not become ${state} within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /**
   * The next instance to send a request to, skipping `except` (those that just refused it).
   * Ready ones first; when none is ready but some answer (every instance lost the store),
   * those: each answers 503 redis/unavailable itself, which clients know how to wait out.
   */
  pick(except: ReadonlySet<string> = new Set()): Member | null {
    for (const state of ['ready', 'unready'] as const) {
      const candidates = this.#members.filter((m) => m.state === state && !except.has(m.id));
      if (candidates.length === 0) continue;
      const member = candidates[this.#next % candidates.length]!;
      this.#next = (this.#next + 1) % 1_000_000;
      return member;
    }
    return null;
  }

  /** A request could not reach `id` at all: out of the pool until a check lets it back. */
  refused(id: string, reason: string): void {
    const m = this.#members.find((x) => x.id === id);
    if (m) this.#set(m, 'down', reason);
  }

  view(): PoolMember[] {
    return this.#members.map(({ id, target, state, since, checkedAt, reason }) => ({ id, target, state, since, checkedAt, reason }));
  }

  #check(m: Member): Promise<void> {
    m.checking = true;
    return new Promise<void>((resolve) => {
      let settled = false;
      const done = (state: MemberState, reason: string | null) => {
        if (settled) return;
        settled = true;
        m.checking = false;
        m.checkedAt = Date.now();
        this.#set(m, state, reason);
        resolve();
      };
      const req = request({ host: m.endpoint.host, port: m.endpoint.port, path: '/health/ready', agent: false, timeout: this.timeoutMs }, (res) => {
        if (res.statusCode === 200) {
          res.resume();
          return done('ready', null);
        }
        // The answer says why (a few dozen bytes of HealthStatus): read it, up to a bound.
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          if (body.length < 1024) body += chunk;
        });
        res.on('end', () => done('unready', unreadyReason(res.statusCode ?? 0, res.headers[INSTANCE_HEADER], body)));
        res.on('error', () => done('unready', unreadyReason(res.statusCode ?? 0, res.headers[INSTANCE_HEADER], '')));
      });
      req.on('timeout', () => {
        req.destroy();
        done('down', `no answer within ${this.timeoutMs} ms`);
      });
      req.on('error', (err: NodeJS.ErrnoException) => done('down', err.code ?? err.message));
      req.end();
    });
  }

  #set(m: Member, state: MemberState, reason: string | null): void {
    if (m.state !== state) m.since = Date.now();
    m.state = state;
    m.reason = reason;
  }
}

/** Why an instance said it is not ready, in words, from its GET /health/ready answer. */
export function unreadyReason(status: number, instance: string | string[] | undefined, body: string): string {
  let health: Partial<HealthStatus> = {};
  try {
    health = JSON.parse(body) as Partial<HealthStatus>;
  } catch {
    // not a HealthStatus: say what was answered
  }
  const why = health.draining ? 'draining: it closes in under a second'
    : health.redis === 'down' ? 'it cannot reach the store'
      : `GET /health/ready answered ${status}`;
  return instance ? `${why} (${String(instance)})` : why;
}
