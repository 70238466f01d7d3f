import type { HealthStatus } from '../../../shared/api';
import { ErrorCodes } from '../../../shared/errors';
import { ApiRequestError, type ApiCall, type ApiClient } from './api';

/** How often the page asks an API instance whether it can reach the store. */
export const STORE_POLL_MS = 1000;
const READY_ROUTE = 'GET /health/ready';

/**
 * The store (Redis) as this client sees it through the API: 'up', 'down', or
 * 'unknown' before the first answer (and in one-process mode, 'none': there is
 * no store to lose).
 */
export interface StoreView {
  state: 'unknown' | 'up' | 'down' | 'none';
  /** performance.now() when it last changed. */
  since: number;
  /** What the last change was read from, for a person ("GET /v1/matchmake answered redis/unavailable"). */
  evidence: string;
}

type Listener = (view: StoreView, previous: StoreView) => void;

/**
 * Watches the store through the API, for the lobby and the cluster map: any
 * answer `redis/unavailable` (the API's 503 during an outage) says down at
 * once; GET /health/ready, polled every STORE_POLL_MS, says up or down (its
 * 503 carries `redis: "down"`). When no API instance answers at all, the store
 * is not judged: the last view stands.
 */
export class StoreHealth {
  #view: StoreView;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #stopped = true;
  readonly #listeners = new Set<Listener>();
  readonly #now: () => number;

  constructor(private readonly api: ApiClient, options: { now?: () => number } = {}) {
    this.#now = options.now ?? (() => performance.now());
    this.#view = { state: 'unknown', since: this.#now(), evidence: 'not asked yet' };
    api.onCall((call) => this.#fromCall(call));
  }

  get view(): StoreView {
    return this.#view;
  }

  get down(): boolean {
    return this.#view.state === 'down';
  }

  onChange(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    void this.#poll();
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }

  /** Ask now (after a store fault button press, so the card follows at once). */
  poke(): void {
    if (this.#stopped) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.#poll(), 50);
  }

  /** Every API answer is evidence: redis/unavailable from any route means the store is out. */
  #fromCall(call: ApiCall): void {
    if (call.route === READY_ROUTE) return; // judged by #poll, which reads its body
    if (call.code === ErrorCodes.redisUnavailable) this.#set('down', `${call.route} answered redis/unavailable`);
  }

  async #poll(): Promise<void> {
    clearTimeout(this.#timer);
    try {
      const ready = await this.api.request<HealthStatus>('GET', '/health/ready', { signal: AbortSignal.timeout(2000) });
      this.#set(ready.redis === 'none' ? 'none' : 'up', `${ready.instance} is ready`);
    } catch (err) {
      // 503 from /health/ready is the API saying it cannot reach the store; no answer at all judges nothing.
      if (err instanceof ApiRequestError && err.status === 503) this.#set('down', 'GET /health/ready answered 503 (store down)');
    }
    if (!this.#stopped) this.#timer = setTimeout(() => void this.#poll(), STORE_POLL_MS);
  }

  #set(state: StoreView['state'], evidence: string): void {
    if (state === this.#view.state) return;
    const previous = this.#view;
    this.#view = { state, since: this.#now(), evidence };
    for (const l of this.#listeners) l(this.#view, previous);
  }
}
