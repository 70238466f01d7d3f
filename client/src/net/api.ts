import { INSTANCE_HEADER, type ApiError } from '../../../shared/api';
import { CodedError, ErrorCodes, isErrorCode, type ErrorCode } from '../../../shared/errors';

/** Per-request timeout of one API instance before falling over to the next. */
export const REQUEST_TIMEOUT_MS = 5000;

/** An API call that got an answer, but not the one we wanted. `code` is the API's stable error code. */
export class ApiRequestError extends CodedError {
  constructor(code: ErrorCode, message: string, readonly status: number, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/** No API instance could be reached at all. `cause` is the last network error. */
export class ApiUnavailableError extends CodedError<typeof ErrorCodes.apiUnreachable> {
  constructor(readonly tried: string[], options?: { cause?: unknown }) {
    super(ErrorCodes.apiUnreachable, 'The game servers cannot be reached right now. Check your connection and try again.', options);
  }
}

export interface RequestOptions {
  body?: unknown;
  token?: string;
  signal?: AbortSignal;
  /** Label for the call records (default `METHOD path`), e.g. 'POST /v1/rooms/:roomId/rejoin'. */
  route?: string;
}

/** One finished call, as the caller saw it: the bots' reports are made of these. */
export interface ApiCall {
  /** Date.now() when it was sent. */
  at: number;
  route: string;
  ms: number;
  /** HTTP status of the answer that counted; 0 when no instance answered at all. */
  status: number;
  /** A 2xx answer. */
  ok: boolean;
  /** The error code of a non-2xx answer (null for 2xx or no answer). */
  code: ErrorCode | null;
  instance: string | null;
}

type InstanceListener = (instance: string, url: string) => void;
type CallListener = (call: ApiCall) => void;

/**
 * Talks to the stateless API, for the browser and the bots alike. Normally
 * through one base URL, the ingress's `/api`, which spreads requests over the
 * live instances itself: the client keeps no list of them and learns which
 * one answered from the instance header. Given several base URLs (bots aimed
 * straight at instances, without an ingress) each request starts at the next
 * one in turn and falls over to the following one when the network fails or a
 * proxy answers 502/503. Any instance can answer any request, which is the point.
 */
export class ApiClient {
  #next = 0;
  #instanceListeners = new Set<InstanceListener>();
  #callListeners = new Set<CallListener>();
  lastInstance: string | null = null;
  /** Requests that got a 2xx answer, from any instance: the loss panel counts what kept working. */
  succeeded = 0;

  readonly urls: readonly string[];

  /** `base`: the API's base URL (`/api` on the page's origin, `http://host:8080/api`), or instances' URLs. */
  constructor(base: string | readonly string[], readonly timeoutMs = REQUEST_TIMEOUT_MS) {
    this.urls = typeof base === 'string' ? [base] : base;
    if (this.urls.length === 0) throw new Error('ApiClient needs at least one API URL');
  }

  /** Called with the instance id (x-statecraft-instance) of every response. */
  onInstance(listener: InstanceListener): () => void {
    this.#instanceListeners.add(listener);
    return () => this.#instanceListeners.delete(listener);
  }

  /** Called once per request when it has finished, however it ended. */
  onCall(listener: CallListener): () => void {
    this.#callListeners.add(listener);
    return () => this.#callListeners.delete(listener);
  }

  async request<T>(method: 'GET' | 'POST', path: string, options: RequestOptions = {}): Promise<T> {
    const start = this.#next;
    this.#next = (this.#next + 1) % this.urls.length;
    const at = Date.now();
    const t0 = performance.now();
    const route = options.route ?? `${method} ${path}`;
    const record = (status: number, code: ErrorCode | null, instance: string | null) => {
      const call: ApiCall = { at, route, ms: performance.now() - t0, status, ok: status >= 200 && status < 300, code, instance };
      for (const l of this.#callListeners) l(call);
    };
    const tried: string[] = [];
    let lastError: unknown = null;
    for (let i = 0; i < this.urls.length; i++) {
      const base = this.urls[(start + i) % this.urls.length]!;
      tried.push(base);
      let res: Response;
      try {
        res = await fetch(base + path, { ...requestInit(method, options), signal: options.signal ?? AbortSignal.timeout(this.timeoutMs) });
      } catch (err) {
        if (options.signal?.aborted) throw err;
        lastError = err;
        continue; // network error or timeout: this instance is down, try the next one
      }
      const instance = res.headers.get(INSTANCE_HEADER);
      if (instance) {
        this.lastInstance = instance;
        for (const l of this.#instanceListeners) l(instance, base);
      }
      // A 502/503 from a proxy in front of a dead instance is as good as a network error.
      if ((res.status === 502 || res.status === 503) && i < this.urls.length - 1) {
        await res.body?.cancel().catch(() => undefined);
        continue;
      }
      const payload: unknown = await res.json().catch(() => null);
      if (!res.ok) {
        const err = toError(res.status, payload);
        record(res.status, err.code, instance);
        throw err;
      }
      this.succeeded++;
      record(res.status, null, instance);
      return payload as T;
    }
    record(0, ErrorCodes.apiUnreachable, null);
    throw new ApiUnavailableError(tried, { cause: lastError });
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

/**
 * The API answers every error as `{code, message}` with a registry code. An answer without one
 * (a proxy's 502 page, a foreign server) keeps its status and gets the generic code of its class.
 */
export function toError(status: number, payload: unknown): ApiRequestError {
  const body = (payload ?? {}) as Partial<ApiError>;
  const code = isErrorCode(body.code) ? body.code : status >= 500 ? ErrorCodes.internal : ErrorCodes.requestInvalid;
  const message = typeof body.message === 'string' ? body.message : `The server answered ${status}.`;
  return new ApiRequestError(code, message, status);
}
