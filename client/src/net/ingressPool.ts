/** How often the page asks the balancer for its pool (as often as the cluster map polls). */
export const POOL_POLL_MS = 500;

/** One API instance as the balancer sees it (the embedded ingress's GET /ingress/pool). */
export interface PoolMemberView {
  id: string;
  target: string;
  /** ready: in the pool; unready: answers but cannot serve (store lost) or is draining; down: no answer. */
  state: 'ready' | 'unready' | 'down';
  since: number;
  reason: string | null;
}

/** null until the first answer; `available: false` when the entry point has no such view (HAProxy, a test without one). */
export interface PoolView {
  available: boolean;
  members: PoolMemberView[];
  /** Epoch ms of the last answer. */
  at: number;
}

/** `/api` → `/ingress/pool` on the same origin; `http://h:8080/api` → `http://h:8080/ingress/pool`. */
export function poolUrl(apiBase: string): string | null {
  return /\/api$/.test(apiBase) ? apiBase.replace(/\/api$/, '/ingress/pool') : null;
}

/**
 * Polls the balancer's own view of its API pool, which is not the API's view
 * of the cluster: an instance can be alive and still out of the pool (not
 * ready, draining, or refused a request a moment ago). Stops after an answer
 * that is not a pool (404, HTML): that entry point offers none.
 */
export class IngressPoolWatch {
  #timer: ReturnType<typeof setTimeout> | undefined;
  #stopped = true;
  readonly #listeners = new Set<(view: PoolView) => void>();

  constructor(private readonly url: string | null) {}

  onChange(listener: (view: PoolView) => void): () => void {
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

  async #poll(): Promise<void> {
    if (this.#stopped) return;
    if (!this.url) return this.#emit({ available: false, members: [], at: Date.now() });
    const res = await fetch(this.url, { signal: AbortSignal.timeout(2000) }).catch(() => null);
    const body = res?.ok ? await res.json().catch(() => null) as { apis?: PoolMemberView[] } | null : null;
    if (res && !Array.isArray(body?.apis)) {
      this.#emit({ available: false, members: [], at: Date.now() });
      return; // not a pool: nothing to watch
    }
    if (body?.apis) this.#emit({ available: true, members: body.apis, at: Date.now() });
    this.#timer = setTimeout(() => void this.#poll(), POOL_POLL_MS);
  }

  #emit(view: PoolView): void {
    for (const l of this.#listeners) l(view);
  }
}
