import type { ApiInstanceStatus, ClusterStatus, GameNodeStatus, RoomStatus } from '../../../shared/api';
import { ErrorCodes } from '../../../shared/errors';
import { ApiRequestError, type ApiClient } from './api';
import { STORE_TARGET, type ControlClient, type NetworkStatus, type ProcessInfo } from './control';

export const CLUSTER_POLL_MS = 500;

export type NodeState = 'alive' | 'draining' | 'dead' | 'frozen' | 'starting';

export interface NodeView {
  id: string;
  /** What the map shows: the registry's view, sharpened by the supervisor's when it knows better. */
  state: NodeState;
  registryState: GameNodeStatus['state'] | null;
  process: ProcessInfo | null;
  rooms: RoomStatus[];
  players: number;
  address: string | null;
}

export interface ApiView {
  id: string;
  alive: boolean;
  requests: number | null;
  process: ProcessInfo | null;
}

export interface ClusterView {
  nodes: NodeView[];
  apis: ApiView[];
  servedBy: string | null;
  /** performance.now() of this read. */
  at: number;
  /** No API instance answered this round. */
  apiDown: boolean;
  /** The API answered, but redis/unavailable: the map is the last one read before the outage. */
  storeDown: boolean;
  /** The store's entry in the supervisor's process list (null without control, or before the supervisor lists it). */
  storeProcess: ProcessInfo | null;
  /**
   * The supervisor's network faults and fencing switch (GET /network): 'unsupported' when it has
   * none (it answered 404), null when unknown (no control endpoint, or no answer yet).
   */
  network: NetworkStatus | 'unsupported' | null;
}

type Listener = (view: ClusterView) => void;

/**
 * Polls GET /v1/cluster (through the round-robin API client) and, when the
 * control endpoint is offered, the supervisor's GET /processes, every 500 ms,
 * and merges them into one view. A round starts only when the last one ended,
 * so a hung instance delays the map instead of piling up requests.
 */
export class ClusterMonitor {
  #listeners = new Set<Listener>();
  #timers: { api?: ReturnType<typeof setTimeout>; control?: ReturnType<typeof setTimeout> } = {};
  #status: ClusterStatus | null = null;
  #apiDown = false;
  #storeDown = false;
  #processes: ProcessInfo[] | null = null;
  #network: ClusterView['network'] = null;
  #stopped = false;
  view: ClusterView | null = null;

  constructor(private readonly api: ApiClient, private readonly control: ControlClient | null) {}

  start(): void {
    this.#stopped = false;
    void this.#apiRound();
    void this.#controlRound();
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timers.api);
    clearTimeout(this.#timers.control);
  }

  /** Reads the supervisor again now (after a fault button press, so the map follows at once). */
  poke(): void {
    clearTimeout(this.#timers.control);
    this.#timers.control = setTimeout(() => void this.#controlRound(), 50);
  }

  onUpdate(listener: Listener): () => void {
    this.#listeners.add(listener);
    if (this.view) listener(this.view);
    return () => this.#listeners.delete(listener);
  }

  // Two independent loops: the API's cluster view can be slow right after a node dies (the room
  // listing waits on it), and the supervisor's process list must not wait for it, nor the other way round.
  async #apiRound(): Promise<void> {
    clearTimeout(this.#timers.api);
    let answered = true;
    const status = await this.api.request<ClusterStatus>('GET', '/v1/cluster', { signal: AbortSignal.timeout(2000) }).catch((err: unknown) => {
      // An instance that answers redis/unavailable is up: only the store is out.
      answered = err instanceof ApiRequestError;
      this.#storeDown = err instanceof ApiRequestError && err.code === ErrorCodes.redisUnavailable;
      return null;
    });
    if (status) {
      this.#status = status;
      this.#storeDown = false;
    }
    this.#apiDown = !answered;
    this.#publish();
    if (!this.#stopped) this.#timers.api = setTimeout(() => void this.#apiRound(), CLUSTER_POLL_MS);
  }

  async #controlRound(): Promise<void> {
    if (!this.control) return;
    clearTimeout(this.#timers.control);
    // A supervisor without network faults says so once (404); it is not asked again.
    const [processes, network] = await Promise.all([
      this.control.processes(AbortSignal.timeout(2000)).catch(() => null),
      this.#network === 'unsupported' ? 'unsupported' as const
        : this.control.network(AbortSignal.timeout(2000)).then((n) => n ?? 'unsupported' as const, () => this.#network),
    ]);
    this.#processes = processes;
    this.#network = network;
    this.#publish();
    if (!this.#stopped) this.#timers.control = setTimeout(() => void this.#controlRound(), CLUSTER_POLL_MS);
  }

  #publish(): void {
    this.view = { ...merge(this.#status, this.#processes, this.#apiDown, this.#storeDown), network: this.#network };
    for (const l of this.#listeners) l(this.view);
  }
}

function merge(status: ClusterStatus | null, processes: ProcessInfo[] | null, apiDown: boolean, storeDown: boolean): Omit<ClusterView, 'network'> {
  const procs = new Map((processes ?? []).map((p) => [p.id, p]));
  const nodeIds = new Set<string>([...(status?.nodes ?? []).map((n) => n.id), ...(processes ?? []).filter((p) => p.kind === 'game').map((p) => p.id)]);
  const nodes = [...nodeIds].sort(byNumericId).map((id): NodeView => {
    const reg = status?.nodes.find((n) => n.id === id) ?? null;
    const proc = procs.get(id) ?? null;
    const rooms = (status?.rooms ?? []).filter((r) => r.nodeId === id);
    return {
      id,
      state: nodeState(reg, proc),
      registryState: reg?.state ?? null,
      process: proc,
      rooms,
      players: reg?.players ?? rooms.reduce((n, r) => n + r.players, 0),
      address: reg?.address ?? null,
    };
  });
  const apiIds = new Set<string>([...(status?.apis ?? []).map((a) => a.id), ...(processes ?? []).filter((p) => p.kind === 'api').map((p) => p.id)]);
  const apis = [...apiIds].sort(byNumericId).map((id): ApiView => {
    const reg: ApiInstanceStatus | null = status?.apis.find((a) => a.id === id) ?? null;
    const proc = procs.get(id) ?? null;
    const alive = proc ? proc.state === 'alive' && (reg?.alive ?? true) : (reg?.alive ?? false);
    return { id, alive, requests: reg?.requests ?? null, process: proc };
  });
  const storeProcess = (processes ?? []).find((p) => p.kind === 'redis' || p.id === STORE_TARGET) ?? null;
  return { nodes, apis, servedBy: status?.servedBy ?? null, at: performance.now(), apiDown, storeDown, storeProcess };
}

/**
 * The registry calls a node dead 1.2 s after its last heartbeat; the
 * supervisor knows at once that the process exited or was stopped. Show
 * whichever is the more specific.
 */
function nodeState(reg: GameNodeStatus | null, proc: ProcessInfo | null): NodeState {
  if (proc?.state === 'frozen') return 'frozen';
  if (proc?.state === 'dead') return 'dead';
  if (proc?.state === 'starting') return 'starting';
  if (proc?.state === 'draining' && reg?.state !== 'dead') return 'draining';
  return reg?.state ?? (proc ? (proc.state === 'alive' ? 'alive' : 'dead') : 'dead');
}

function byNumericId(a: string, b: string): number {
  return a.localeCompare(b, undefined, { numeric: true });
}
