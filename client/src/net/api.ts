import { INSTANCE_HEADER, type ApiError } from '../../../shared/api';

/** An API call that got an answer, but not the one we wanted. `code` is the API's stable error code. */
export class ApiRequestError extends Error {
  constructor(readonly code: string, message: string, readonly status: number) {
    super(message);
    this.name = 'ApiRequestError';
  }
}

/** No API instance could be reached at all. */
export class ApiUnavailableError extends Error {
  constructor(readonly tried: string[]) {
    super('The game servers cannot be reached right now. Check your connection and try again.');
    this.name = 'ApiUnavailableError';
  }
}

export interface RequestOptions {
  body?: unknown;
  token?: string;
  signal?: AbortSignal;
}

type InstanceListener = (instance: string, url: string) => void;

/**
 * Talks to the stateless API instances: each request starts at the next
 * instance in turn and falls over to the following one when the network
 * fails. Any instance can answer any request, which is the point.
 */
export class ApiClient {
  #next = 0;
  #listeners = new Set<InstanceListener>();
  lastInstance: string | null = null;
  /** Requests that got a 2xx answer, from any instance: the loss panel counts what kept working. */
  succeeded = 0;

  constructor(readonly urls: readonly string[]) {
    if (urls.length === 0) throw new Error('ApiClient needs at least one API URL');
  }

  /** Called with the instance id (x-statecraft-instance) of every response. */
  onInstance(listener: InstanceListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async request<T>(method: 'GET' | 'POST', path: string, options: RequestOptions = {}): Promise<T> {
    const start = this.#next;
    this.#next = (this.#next + 1) % this.urls.length;
    const tried: string[] = [];
    for (let i = 0; i < this.urls.length; i++) {
      const base = this.urls[(start + i) % this.urls.length]!;
      tried.push(base);
      let res: Response;
      try {
        res = await fetch(base + path, { ...requestInit(method, options), signal: options.signal ?? AbortSignal.timeout(5000) });
      } catch (err) {
        if (options.signal?.aborted) throw err;
        continue; // network error or timeout: this instance is down, try the next one
      }
      const instance = res.headers.get(INSTANCE_HEADER);
      if (instance) {
        this.lastInstance = instance;
        for (const l of this.#listeners) l(instance, base);
      }
      // A 502/503 from a proxy in front of a dead instance is as good as a network error.
      if ((res.status === 502 || res.status === 503) && i < this.urls.length - 1) continue;
      const payload: unknown = await res.json().catch(() => null);
      if (!res.ok) throw toError(res.status, payload);
      this.succeeded++;
      return payload as T;
    }
    throw new ApiUnavailableError(tried);
  }
}

/**
 * Method, headers and body of one call. A request without a body must not say
 * `content-type: application/json`: Fastify answers such a POST (e.g. the
 * rejoin route) with 400 "Body cannot be empty when content-type is set".
 */
export function requestInit(method: 'GET' | 'POST', options: Pick<RequestOptions, 'body' | 'token'>): { method: string; headers: Record<string, string>; body: string | null } {
  const hasBody = options.body !== undefined && options.body !== null;
  const headers: Record<string, string> = {};
  if (hasBody) headers['content-type'] = 'application/json';
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  return { method, headers, body: hasBody ? JSON.stringify(options.body) : null };
}

function toError(status: number, payload: unknown): ApiRequestError {
  const body = (payload ?? {}) as Partial<ApiError>;
  const code = typeof body.code === 'string' ? body.code : `http/${status}`;
  const message = typeof body.message === 'string' ? body.message : `The server answered ${status}.`;
  return new ApiRequestError(code, message, status);
}
