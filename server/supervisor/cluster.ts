import { ManagedChild, type ChildKind } from './child';
import { FaultError, UnknownTargetError } from './faults';
import { STORE_ID, type ManagedStore } from './store';

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
  /** The shared Redis as a fault target (`redis`); absent in one-process mode. */
  store?: ManagedStore;
}

export const FAULTS = ['kill', 'freeze', 'thaw', 'restart', 'drain'] as const;
export type Fault = (typeof FAULTS)[number];

/**
 * The local cluster: game nodes and API instances as real child processes
 * sharing one Redis. Faults are real signals: kill = SIGKILL (a crash),
 * freeze = SIGSTOP (a hung host), thaw = SIGCONT, drain = SIGTERM.
 */
export class Cluster {
  readonly children = new Map<string, ManagedChild>();

  constructor(readonly options: ClusterOptions) {
    const common = {
      REDIS_URL: options.redisUrl ?? '',
      JWT_SECRET: options.jwtSecret,
      PUBLIC_HOST: options.publicHost,
      ...options.env,
    };
    const print = options.print ?? ((id, line) => console.log(`[${id}] ${line}`));
    if (!options.redisUrl) {
      const env = { ...common, GAME_PORT: String(options.gamePorts[0]), API_PORTS: String(options.apiPorts[0]) };
      this.add(new ManagedChild({ id: 'node-1', kind: 'game', entry: 'server/supervisor/embedded.ts', port: options.gamePorts[0]!, env }, print));
      return;
    }
    options.gamePorts.forEach((port, i) => {
      const id = `node-${i + 1}`;
      this.add(new ManagedChild({ id, kind: 'game', entry: 'server/game/main.ts', port, env: { ...common, NODE_ID: id, GAME_PORT: String(port) } }, print));
    });
    options.apiPorts.forEach((port, i) => {
      const id = `api-${i + 1}`;
      this.add(new ManagedChild({ id, kind: 'api', entry: 'server/api/server.ts', port, env: { ...common, API_ID: id, API_PORT: String(port) } }, print));
    });
  }

  private add(child: ManagedChild): void {
    this.children.set(child.spec.id, child);
  }

  list(kind?: ChildKind): ManagedChild[] {
    return [...this.children.values()].filter((c) => !kind || c.spec.kind === kind);
  }

  get(id: string): ManagedChild {
    const child = this.children.get(id);
    if (!child) throw new UnknownTargetError(id, [...this.children.keys(), ...(this.store ? [STORE_ID] : [])]);
    return child;
  }

  /** The store as a fault target, when there is one. */
  get store(): ManagedStore | null {
    return this.options.store ?? null;
  }

  /** Starts every process and resolves when all report ready. */
  async start(): Promise<void> {
    for (const child of this.children.values()) child.start();
    await Promise.all([...this.children.values()].map((c) => c.ready()));
  }

  /** Stops everything: SIGINT (no drain), then SIGKILL for whatever has not exited in time. */
  async stop(graceMs = 5000): Promise<void> {
    await Promise.all([...this.children.values()].map((c) => c.stop(graceMs)));
  }

  /** Injects a fault into one process. Returns what was done, for the caller to show. */
  async inject(fault: Fault, id: string): Promise<string> {
    if (id === STORE_ID) {
      if (!this.store) throw new FaultError('control/invalid', 'One-process mode: there is no store to fail (everything is in this process\'s memory).');
      return this.store.inject(fault);
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
    }
  }
}
