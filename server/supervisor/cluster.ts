import { ManagedChild, type ChildKind } from './child';
import { FaultError, UnknownTargetError } from './faults';
import { NETWORK_FAULTS, Network, type NetworkFault, type NetworkFaultName } from './network';
import { STORE_ID, type SupervisedStore } from './store';
import type { IngressRoutes } from './ingress';
import { apiEnv, nodeEnv, singleHost, type Endpoint, type Topology } from './topology';

export { FaultError, UnknownTargetError } from './faults';

export interface ClusterOptions {
  /** Shared Redis; null = one-process mode (one game node and one API instance in one process, in memory). */
  redisUrl: string | null;
  /** One port per game node: node-1 gets the first. */
  gamePorts: number[];
  apiPorts: number[];
  publicHost: string;
  jwtSecret: string;
  /** Extra environment for every child (TICK_RATE, MATCH_SECONDS, LOG_LEVEL, CORS_ORIGINS...). */
  env?: Record<string, string>;
  print?: (id: string, line: string) => void;
  /** The shared Redis as a fault target (`redis`, or `redis-primary` when replicated); absent in one-process mode. */
  store?: SupervisedStore;
  /** Why there are no fault points, when it is not FAULT_POINTS=off (the replicated store: Sentinel names the primary's own address). */
  faultPointsOff?: string;
  /**
   * A fault point on every path (each process → Redis, players → each game node), so network
   * faults can be injected (default true; benchmarks turn it off to measure without the hop).
   * Nothing to put them on in one-process mode.
   */
  faultPoints?: boolean;
  /** Ports the players' fault points listen on, one per game node in order (default: any free port). */
  playerPorts?: number[];
  /** Interface the processes and the fault points listen on (default 127.0.0.1). */
  bindHost?: string;
  /**
   * `host[:port]` of the one public entry point (the ingress) as players reach it: each node then
   * advertises `<ingressHost>/<node-id>` in its seats. Unset: each node advertises its own
   * players' address (`publicHost:port`), for tests and benchmarks that connect straight to nodes.
   */
  ingressHost?: string;
}

export const PROCESS_FAULTS = ['kill', 'freeze', 'thaw', 'restart', 'drain'] as const;
/** Every fault the control endpoint and the chaos CLI take: process faults, then network faults. */
export const FAULTS = [...PROCESS_FAULTS, ...NETWORK_FAULTS] as const;
export type Fault = (typeof FAULTS)[number];

/** How long POST /fencing waits for each game node to confirm the switch. */
const FENCING_ACK_MS = 1000;

/**
 * The local cluster: game nodes and API instances as real child processes
 * sharing one Redis. Faults are real signals: kill = SIGKILL (a crash),
 * freeze = SIGSTOP (a hung host), thaw = SIGCONT, drain = SIGTERM.
 */
export class Cluster {
  readonly children = new Map<string, ManagedChild>();
  /** The fault points; null when they are off (FAULT_POINTS=off, one-process mode). */
  readonly network: Network | null;
  /** Who runs where; each child's environment comes from it (see topology.ts). */
  readonly topology: Topology;
  /** Where players' traffic to each node goes in (its fault point, or the node itself). */
  readonly #playerTargets = new Map<string, Endpoint>();
  #fencing: boolean;

  constructor(readonly options: ClusterOptions) {
    this.network = options.redisUrl && (options.faultPoints ?? true) ? new Network() : null;
    this.#fencing = options.env?.FENCING !== 'off';
    const bindHost = options.bindHost ?? '127.0.0.1';
    this.topology = singleHost({
      storeUrl: options.redisUrl ?? '', bindHost, gamePorts: options.gamePorts, apiPorts: options.apiPorts,
      ingress: { bind: { host: bindHost, port: 0 }, publicHost: options.ingressHost ?? '', web: null },
    });
    const common = {
      REDIS_URL: options.redisUrl ?? '',
      JWT_SECRET: options.jwtSecret,
      PUBLIC_HOST: options.publicHost,
      ...options.env,
    };
    const print = options.print ?? ((id, line) => console.log(`[${id}] ${line}`));
    const advertised = (id: string, port: number) => (options.ingressHost ? nodeEnv(this.topology, this.topology.nodes.find((n) => n.id === id)!).PUBLIC_ADDRESS! : `${options.publicHost}:${port}`);
    if (!options.redisUrl) {
      const env = { ...common, BIND_HOST: bindHost, GAME_PORT: String(options.gamePorts[0]), API_PORTS: String(options.apiPorts[0]), PUBLIC_ADDRESS: advertised('node-1', options.gamePorts[0]!) };
      this.add(new ManagedChild({ id: 'node-1', kind: 'game', entry: 'server/supervisor/embedded.ts', port: options.gamePorts[0]!, env }, print));
      return;
    }
    for (const node of this.topology.nodes) {
      const env: Record<string, string> = { ...common, ...nodeEnv(this.topology, node), PUBLIC_ADDRESS: advertised(node.id, node.bind.port), FENCING: this.#fencing ? 'on' : 'off' };
      if (!options.ingressHost) delete env.TRUST_PROXY;
      this.add(new ManagedChild({ id: node.id, kind: 'game', entry: 'server/game/main.ts', port: node.bind.port, env }, print));
    }
    for (const api of this.topology.apis) {
      const env: Record<string, string> = { ...common, ...apiEnv(this.topology, api), PUBLIC_HOST: options.publicHost };
      if (!options.ingressHost) delete env.TRUST_PROXY; // no proxy in front: trust no forwarded address
      this.add(new ManagedChild({ id: api.id, kind: 'api', entry: 'server/api/server.ts', port: api.bind.port, env }, print));
    }
  }

  /**
   * What the ingress routes to: the API instances, and per game node its players' path (the
   * fault point when there is one, so network faults cut the ingress → node path too).
   */
  ingressRoutes(web: Endpoint | null): IngressRoutes {
    const embedded = !this.options.redisUrl;
    return {
      apis: embedded ? [{ id: 'api-1', target: { host: this.topology.nodes[0]!.reach.host, port: this.options.apiPorts[0]! } }] : this.topology.apis.map((a) => ({ id: a.id, target: a.reach })),
      nodes: this.topology.nodes.slice(0, embedded ? 1 : undefined).map((n) => ({ id: n.id, target: this.#playerTargets.get(n.id) ?? n.reach })),
      web,
    };
  }

  private add(child: ManagedChild): void {
    this.children.set(child.spec.id, child);
  }

  list(kind?: ChildKind): ManagedChild[] {
    return [...this.children.values()].filter((c) => !kind || c.spec.kind === kind);
  }

  get(id: string): ManagedChild {
    const child = this.children.get(id);
    if (!child) throw new UnknownTargetError(id, [...this.children.keys(), ...(this.store?.targets ?? [])]);
    return child;
  }

  /** The store as a fault target, when there is one. */
  get store(): SupervisedStore | null {
    return this.options.store ?? null;
  }

  /** Starts every process (after opening its fault points) and resolves when all report ready. */
  async start(): Promise<void> {
    if (this.network) await this.#openNetwork(this.network);
    for (const child of this.children.values()) child.start();
    await Promise.all([...this.children.values()].map((c) => c.ready()));
  }

  /** Stops everything: SIGINT (no drain), then SIGKILL for whatever has not exited in time. */
  async stop(graceMs = 5000): Promise<void> {
    await Promise.all([...this.children.values()].map((c) => c.stop(graceMs)));
    await this.network?.close();
  }

  /** Kills every process at once (SIGKILL): the supervisor's stop when asked twice. */
  kill(): void {
    for (const child of this.children.values()) child.process?.kill('SIGKILL');
  }

  /** Active network faults (none without fault points). */
  networkFaults(): NetworkFault[] {
    return this.network?.list() ?? [];
  }

  /** Whether game nodes fence themselves (and check epochs on results): FENCING at start, then POST /fencing. */
  get fencing(): boolean {
    return this.#fencing;
  }

  /**
   * Switches fencing on every game node at runtime (over each one's IPC channel), and for
   * nodes started or restarted later. Returns what was done, naming nodes that did not confirm.
   */
  async setFencing(on: boolean): Promise<string> {
    this.#fencing = on;
    const nodes = this.list('game');
    for (const node of nodes) node.spec.env.FENCING = on ? 'on' : 'off';
    const replies = await Promise.all(nodes.map(async (node) => ({ node, reply: await node.request({ type: 'fencing', on }, FENCING_ACK_MS) })));
    const confirmed = replies.filter((r) => r.reply?.on === on).map((r) => r.node.spec.id);
    const silent = replies.filter((r) => r.reply?.on !== on).map((r) => `${r.node.spec.id} (${r.node.process ? `${r.node.state}: applies it when it reads its messages` : 'not running: gets it at restart'})`);
    return `fencing ${on ? 'on' : 'OFF (split brain allowed)'}: confirmed by ${confirmed.length ? confirmed.join(', ') : 'no node'}${silent.length ? `; not yet by ${silent.join(', ')}` : ''}`;
  }

  /** Injects a fault into one process, or the store. Returns what was done, for the caller to show. */
  async inject(fault: Fault, id: string, options: { ms?: number } = {}): Promise<string> {
    if ((NETWORK_FAULTS as readonly string[]).includes(fault)) return this.#injectNetwork(fault as NetworkFaultName, id, options.ms);
    if (id === STORE_ID || this.store?.targets.includes(id)) {
      if (!this.store) throw new FaultError('control/invalid', 'One-process mode: there is no store to fail (everything is in this process\'s memory).');
      return this.store.inject(fault, id);
    }
    const child = this.get(id);
    if (fault !== 'restart' && !child.process) throw new FaultError('control/invalid', `${id} is not running (${child.lastExit ?? 'never started'}): restart it first.`);
    switch (fault) {
      case 'kill':
        child.signal('SIGKILL');
        return `${id} killed (SIGKILL, pid ${child.pid})`;
      case 'freeze':
        child.signal('SIGSTOP');
        child.state = 'frozen';
        return `${id} frozen (SIGSTOP, pid ${child.pid})`;
      case 'thaw':
        child.signal('SIGCONT');
        child.state = 'alive';
        return `${id} thawed (SIGCONT, pid ${child.pid})`;
      case 'drain':
        child.signal('SIGTERM');
        child.state = 'draining';
        return `${id} draining (SIGTERM, pid ${child.pid})`;
      case 'restart':
        if (child.process) throw new FaultError('control/invalid', `${id} is still running (pid ${child.pid}): kill or drain it first.`);
        child.start();
        await child.ready();
        return `${id} restarted (pid ${child.pid})`;
      default:
        throw new FaultError('control/invalid', `${fault} is not a process fault.`);
    }
  }

  #injectNetwork(fault: NetworkFaultName, id: string, ms: number | undefined): string {
    if (id !== STORE_ID) this.get(id); // unknown ids are named as such, with the known ones
    if (!this.network) {
      throw new FaultError('control/invalid', this.options.faultPointsOff ?? (this.options.redisUrl
        ? 'Fault points are off (FAULT_POINTS=off): every process reaches Redis and its players directly, so there is nothing to cut.'
        : 'One-process mode: there is no network between the game, the API and the store (one process, in memory).'));
    }
    return this.network.inject(fault, id, ms);
  }

  async #openNetwork(network: Network): Promise<void> {
    const host = this.options.bindHost && this.options.bindHost !== '0.0.0.0' ? this.options.bindHost : '127.0.0.1';
    const games = this.list('game');
    for (const child of this.children.values()) {
      child.spec.env.REDIS_URL = await network.addStorePath(child.spec.id, this.options.redisUrl!, host);
    }
    for (const [i, child] of games.entries()) {
      const port = await network.addPlayersPath(child.spec.id, { host, port: child.spec.port }, { host, port: this.options.playerPorts?.[i] ?? 0 });
      this.#playerTargets.set(child.spec.id, { host, port });
      // Behind an ingress the node advertises its route there; the ingress's target is this point.
      if (!this.options.ingressHost) child.spec.env.PUBLIC_ADDRESS = `${this.options.publicHost}:${port}`;
    }
  }
}
