import { CodedError, ErrorCodes, isErrorCode, type ErrorCode } from '../../../shared/errors';

/** Where the supervisor's fault endpoint is, as /statecraft.json offers it. */
export interface ControlEndpoint {
  url: string;
  token: string;
}

export const FAULTS = ['kill', 'freeze', 'thaw', 'restart', 'drain'] as const;
export type Fault = (typeof FAULTS)[number];

/**
 * Network faults (POST /faults too): `partition` cuts a node (or, with target `redis`, every
 * process) off from the store, `isolate` a node from the store and its players, `slow` adds `ms`
 * each way between a node and the store, `heal` undoes a target's network faults.
 */
export const NETWORK_FAULTS = ['partition', 'isolate', 'slow', 'heal'] as const;
export type NetworkFault = (typeof NETWORK_FAULTS)[number];

/** One active network fault, as GET /network lists it (`since`: epoch ms). */
export interface ActiveNetworkFault {
  target: string;
  kind: 'partition' | 'isolate' | 'slow';
  ms?: number;
  since: number;
}

/** GET /network: whether nodes fence themselves when cut off from the store, and the active faults. */
export interface NetworkStatus {
  fencing: boolean;
  faults: ActiveNetworkFault[];
}

/** The id of the store in GET /processes and the target of its faults. */
export const STORE_TARGET = 'redis';

/** One process as the supervisor sees it (GET /processes on the control endpoint). */
export interface ProcessInfo {
  id: string;
  kind: 'game' | 'api' | 'redis';
  port: number;
  pid: number | null;
  state: 'starting' | 'alive' | 'frozen' | 'draining' | 'dead';
  lastExit: string | null;
  /** The store only: set when the supervisor did not start Redis itself, and says why it cannot kill or restart it. */
  reason?: string | null;
  /** The store only: `ha` when replicated (a primary, a replica, Sentinels); then `redis-primary` takes kill and restart. */
  mode?: 'single' | 'ha';
}

/** The replicated store's primary as a fault target (kill: SIGKILL whichever server is primary now). */
export const STORE_PRIMARY_TARGET = 'redis-primary';

/** A fault this page injected: when the button was pressed, on both clocks. */
export interface InjectedFault {
  fault: Fault | NetworkFault;
  target: string;
  /** performance.now() at the press: the loss panel measures detection from here. */
  at: number;
  /** Date.now() at the press. */
  wallAt: number;
  /** ApiClient.succeeded at the press: what kept working is counted from here. */
  apiOkAtPress: number;
}

/** The control endpoint refused, failed, or could not be reached (status 0). */
export class ControlError extends CodedError {
  constructor(code: ErrorCode, message: string, readonly status: number, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/**
 * The supervisor's loopback fault endpoint. Present only when /statecraft.json
 * offers it (a local cluster started with its control server).
 */
export class ControlClient {
  #faults: InjectedFault[] = [];
  #listeners = new Set<(f: InjectedFault) => void>();

  constructor(private readonly control: ControlEndpoint, private readonly apiOk: () => number) {}

  static from(config: { control: ControlEndpoint | null }, apiOk: () => number): ControlClient | null {
    return config.control ? new ControlClient(config.control, apiOk) : null;
  }

  /** Faults this page injected, newest last. */
  get faults(): readonly InjectedFault[] {
    return this.#faults;
  }

  /** The newest fault injected into `target` at or after `since` (performance.now()). */
  lastFaultOn(target: string, since = 0): InjectedFault | null {
    for (let i = this.#faults.length - 1; i >= 0; i--) {
      const f = this.#faults[i]!;
      if (f.at < since) break;
      if (f.target === target) return f;
    }
    return null;
  }

  onFault(listener: (f: InjectedFault) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async processes(signal?: AbortSignal): Promise<ProcessInfo[]> {
    const body = await this.#call<{ processes: ProcessInfo[] }>('GET', '/processes', undefined, signal);
    return body.processes;
  }

  /**
   * Injects a fault (`ms`: the latency of `slow`). The press time is recorded before the request
   * leaves, so detection times include the request. `heal` is recorded too, but is no fault.
   */
  async inject(fault: Fault | NetworkFault, target: string, ms?: number): Promise<{ fault: InjectedFault; message: string }> {
    const record: InjectedFault = { fault, target, at: performance.now(), wallAt: Date.now(), apiOkAtPress: this.apiOk() };
    if (fault !== 'heal') {
      this.#faults.push(record);
      if (this.#faults.length > 50) this.#faults.shift();
      for (const l of this.#listeners) l(record);
    }
    const res = await this.#call<{ message: string }>('POST', '/faults', { fault, target, ...(ms === undefined ? {} : { ms }) });
    return { fault: record, message: res.message };
  }

  /**
   * GET /network. null: this supervisor has no network faults (404 on a supervisor older than
   * them); other failures throw.
   */
  async network(signal?: AbortSignal): Promise<NetworkStatus | null> {
    try {
      return await this.#call<NetworkStatus>('GET', '/network', undefined, signal);
    } catch (err) {
      if (err instanceof ControlError && err.status === 404) return null;
      throw err;
    }
  }

  /** POST /fencing: off lets a node cut off from the store play on (and record stale results), to watch split brain. */
  async setFencing(on: boolean): Promise<{ message: string }> {
    const res = await this.#call<{ message?: string }>('POST', '/fencing', { on });
    return { message: res.message ?? `Fencing is ${on ? 'on' : 'off'}.` };
  }

  async #call<T>(method: 'GET' | 'POST', path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
    let res: Response;
    try {
      res = await fetch(this.control.url + path, {
        method,
        headers: { authorization: `Bearer ${this.control.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? null : JSON.stringify(body),
        signal: signal ?? AbortSignal.timeout(5000),
      });
    } catch (err) {
      throw new ControlError(ErrorCodes.controlFailed, `The control endpoint cannot be reached (${err instanceof Error ? err.message : String(err)}).`, 0, { cause: err });
    }
    const payload = (await res.json().catch(() => null)) as { code?: unknown; message?: unknown } | null;
    if (!res.ok) {
      const code = isErrorCode(payload?.code) ? payload.code : ErrorCodes.controlFailed;
      throw new ControlError(code, typeof payload?.message === 'string' ? payload.message : `The control endpoint answered ${res.status}.`, res.status);
    }
    return payload as T;
  }
}
