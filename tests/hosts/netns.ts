import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';

/** Why the host test cannot run here, or null when it can (Linux, root, iproute2, iptables, haproxy, redis-server). */
export function cannotRun(): string | null {
  if (process.platform !== 'linux') return `needs Linux network namespaces (this is ${process.platform})`;
  if (process.getuid?.() !== 0) return 'needs root (ip netns, veth pairs, iptables): run it as root, e.g. sudo npm run test:hosts';
  for (const tool of ['ip', 'iptables', 'haproxy', 'redis-server']) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' }).status !== 0) {
      return `needs ${tool} (apt-get install -y ${tool === 'ip' ? 'iproute2' : tool})`;
    }
  }
  return null;
}

function run(args: string[]): string {
  return execFileSync(args[0]!, args.slice(1), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** A /24 no route of this machine covers yet, so the run cannot collide with a real network. */
function freeSubnet(): string {
  const routes = run(['ip', '-4', 'route', 'show', 'table', 'all']);
  for (let i = 0; i < 50; i++) {
    const prefix = `10.${randomInt(100, 250)}.${randomInt(0, 255)}`;
    if (!routes.includes(`${prefix}.`)) return prefix;
  }
  throw new Error('no free 10.x.y.0/24 subnet found');
}

/**
 * Hosts made of network namespaces on one bridge: each host gets its own
 * namespace, a veth pair (one end on the bridge in the root namespace, the
 * other `eth0` inside) and its own address in a /24 of its own. The test
 * process stays in the root namespace, at the bridge's address, like a
 * browser on the same network. Names carry a random run id, so a crashed
 * earlier run cannot collide; `destroy()` removes whatever was made, in any
 * state, and is safe to call twice.
 */
export class HostNetwork {
  readonly runId = randomBytes(3).toString('hex');
  readonly bridge = `scb${this.runId}`;
  readonly prefix = freeSubnet();
  readonly #hosts = new Map<string, { ns: string; ip: string; veth: string }>();
  #bridgeUp = false;

  /** The bridge's own address: where the test process is on this network. */
  get gateway(): string {
    return `${this.prefix}.1`;
  }

  /** Creates the bridge. Register `destroy()` as cleanup before calling it. */
  up(): void {
    run(['ip', 'link', 'add', this.bridge, 'type', 'bridge']);
    this.#bridgeUp = true;
    run(['ip', 'addr', 'add', `${this.gateway}/24`, 'dev', this.bridge]);
    run(['ip', 'link', 'set', this.bridge, 'up']);
  }

  /** Adds host `name` and returns its address. */
  add(name: string): string {
    const k = this.#hosts.size + 10;
    const ns = `sc${this.runId}-${name}`;
    const veth = `scv${this.runId}${k}`; // at most 15 characters, the kernel's limit
    const ip = `${this.prefix}.${k}`;
    this.#hosts.set(name, { ns, ip, veth });
    run(['ip', 'netns', 'add', ns]);
    run(['ip', 'link', 'add', veth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
    run(['ip', 'link', 'set', veth, 'master', this.bridge]);
    run(['ip', 'link', 'set', veth, 'up']);
    this.exec(name, ['ip', 'addr', 'add', `${ip}/24`, 'dev', 'eth0']);
    this.exec(name, ['ip', 'link', 'set', 'eth0', 'up']);
    this.exec(name, ['ip', 'link', 'set', 'lo', 'up']);
    return ip;
  }

  ip(name: string): string {
    return this.#host(name).ip;
  }

  /** The command prefix that runs a program on host `name`. */
  launcher(name: string): string[] {
    return ['ip', 'netns', 'exec', this.#host(name).ns];
  }

  exec(name: string, args: string[]): string {
    return run([...this.launcher(name), ...args]);
  }

  /** Drops every packet between hosts `a` and `b`, both ways, in `a`'s kernel (iptables in its namespace). */
  partition(a: string, b: string): void {
    const peer = this.ip(b);
    this.exec(a, ['iptables', '-I', 'OUTPUT', '-d', peer, '-j', 'DROP']);
    this.exec(a, ['iptables', '-I', 'INPUT', '-s', peer, '-j', 'DROP']);
  }

  heal(a: string, b: string): void {
    const peer = this.ip(b);
    this.exec(a, ['iptables', '-D', 'OUTPUT', '-d', peer, '-j', 'DROP']);
    this.exec(a, ['iptables', '-D', 'INPUT', '-s', peer, '-j', 'DROP']);
  }

  /** Removes every namespace (its veth and iptables rules go with it) and the bridge. */
  destroy(): void {
    for (const { ns, veth } of this.#hosts.values()) {
      // The veth first: a namespace something still refers to outlives `netns del`, and its link with it.
      spawnSync('ip', ['link', 'del', veth], { stdio: 'ignore' });
      spawnSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
    }
    this.#hosts.clear();
    if (this.#bridgeUp) spawnSync('ip', ['link', 'del', this.bridge], { stdio: 'ignore' });
    this.#bridgeUp = false;
  }

  #host(name: string) {
    const h = this.#hosts.get(name);
    if (!h) throw new Error(`no host ${name}`);
    return h;
  }
}
