import { INSTANCE_HEADER, type ApiError } from '../../shared/api';
import { ErrorCodes } from '../../shared/errors';

/** One API call as a bot saw it. `at` is epoch ms when it was sent. */
export interface ApiSample {
  at: number;
  route: string;
  ms: number;
  /** HTTP status; 0 when no instance answered at all. */
  status: number;
  ok: boolean;
  instance: string | null;
}

const ANSWERS = new Set<string>([ErrorCodes.roomRestoring, ErrorCodes.roomLost]);

export class BotApiError extends Error {
  constructor(readonly code: string, message: string, readonly status: number) {
    super(message);
    this.name = 'BotApiError';
  }
}

/**
 * The browser's ApiClient (client/src/net/api.ts) for Node: round-robin over
 * the API instances, falling over to the next one on a network error or a
 * 502/503, and recording every call for the report.
 */
export class BotApi {
  #next = 0;

  constructor(readonly urls: readonly string[], readonly samples: ApiSample[] = [], readonly timeoutMs = 5000) {
    if (urls.length === 0) throw new Error('BotApi needs at least one API URL');
  }

  async request<T>(method: 'GET' | 'POST', path: string, options: { body?: unknown; token?: string; route?: string } = {}): Promise<T> {
    const start = this.#next;
    this.#next = (this.#next + 1) % this.urls.length;
    const at = Date.now();
    const t0 = performance.now();
    const route = options.route ?? `${method} ${path}`;
    let lastStatus = 0;
    for (let i = 0; i < this.urls.length; i++) {
      const base = this.urls[(start + i) % this.urls.length]!;
      let res: Response;
      try {
        res = await fetch(base + path, {
          method,
          headers: {
            ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
            ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
          },
          body: options.body === undefined ? null : JSON.stringify(options.body),
          signal: AbortSignal.timeout(this.timeoutMs),
        });
      } catch {
        continue;
      }
      lastStatus = res.status;
      if ((res.status === 502 || res.status === 503) && i < this.urls.length - 1) {
        await res.body?.cancel();
        continue;
      }
      const payload: unknown = await res.json().catch(() => null);
      const body = (payload ?? {}) as Partial<ApiError>;
      const code = typeof body.code === 'string' ? body.code : `http/${res.status}`;
      // "Not yet, retry" and "that room is gone" are answers from a working API, not failures of it.
      const ok = res.ok || ANSWERS.has(code);
      this.samples.push({ at, route, ms: performance.now() - t0, status: res.status, ok, instance: res.headers.get(INSTANCE_HEADER) });
      if (!res.ok) throw new BotApiError(code, body.message ?? `HTTP ${res.status}`, res.status);
      return payload as T;
    }
    this.samples.push({ at, route, ms: performance.now() - t0, status: lastStatus, ok: false, instance: null });
    throw new BotApiError(lastStatus ? `http/${lastStatus}` : 'api/unreachable', `no API instance answered ${route}`, lastStatus);
  }
}
