import { randomBytes } from 'node:crypto';
import type { ViteDevServer } from 'vite';
import { Cluster } from '../../server/supervisor/cluster';
import { startControlServer, type ControlServer } from '../../server/supervisor/control';
import { startWeb } from '../../server/supervisor/web';
import { Ingress } from '../../server/supervisor/ingress';
import { freePort } from '../../server/supervisor/ports';
import { startRedis, type TestRedis } from './redis';

export interface StackOptions {
  /** Game nodes to start (consecutive ports). */
  gameNodes?: number;
  /** API instances to start. */
  apis?: number;
  /** Also serve the web client (Vite dev server) with a matching /statecraft.json. */
  web?: boolean;
  /** Also start the supervisor's fault endpoint and offer it to the page in /statecraft.json. */
  control?: boolean;
  /** Extra environment for every server process (MATCH_SECONDS, TICK_RATE...). */
  env?: Record<string, string>;
  /**
   * The one entry point, as `npm start` has it (default: when `web` is on): the page, `/api`
   * and game traffic through the embedded ingress at `webUrl`; nodes advertise their route there.
   */
  ingress?: boolean;
  /** Fault points on every path, as `npm start` has them (default true). */
  faultPoints?: boolean;
  /** Each server output line (default: to stderr, prefixed with the process id). */
  print?: (id: string, line: string) => void;
}

/**
 * A whole local Statecraft on free ports: a private Redis, game nodes and API
 * instances as real processes (the supervisor's {@link Cluster}), and
 * optionally the web client. Construct it, register `stop()` as cleanup,
 * then `start()`: whatever got started is stopped even if start fails halfway.
 */
export class LocalStack {
  redis: TestRedis | null = null;
  cluster: Cluster | null = null;
  web: ViteDevServer | null = null;
  control: ControlServer | null = null;
  ingress: Ingress | null = null;
  controlToken = '';
  /** The page's origin: the ingress when there is one. */
  webUrl = '';
  /** The API instances themselves (tests that aim at one instance). */
  apiUrls: string[] = [];
  /** The API as the page and the bots reach it: `<ingress>/api`, or the instances without an ingress. */
  get publicApi(): string[] {
    return this.ingress ? [`${this.webUrl}/api`] : this.apiUrls;
  }
  #stopped = false;

  async start(options: StackOptions = {}): Promise<this> {
    const { gameNodes = 1, apis = 1, web = true, control = false, env = {}, faultPoints = true, ingress = web } = options;
    const print = options.print ?? ((id: string, line: string) => void process.stderr.write(`[${id}] ${line}\n`));
    this.redis = await startRedis();
    if (this.#stopped) return this;
    const [webPort, ingressPort] = await Promise.all([freePort(), freePort()]);
    this.webUrl = `http://127.0.0.1:${ingress ? ingressPort : webPort}`;
    const apiPorts = await Promise.all(Array.from({ length: apis }, () => freePort()));
    this.apiUrls = apiPorts.map((p) => `http://127.0.0.1:${p}`);
    this.cluster = new Cluster({
      redisUrl: this.redis.url,
      gamePorts: await Promise.all(Array.from({ length: gameNodes }, () => freePort())),
      apiPorts,
      publicHost: '127.0.0.1',
      jwtSecret: randomBytes(32).toString('base64url'),
      faultPoints,
      ...(ingress ? { ingressHost: `127.0.0.1:${ingressPort}` } : {}),
      env: { LOG_LEVEL: 'warn', CORS_ORIGINS: this.webUrl, ...env },
      print,
    });
    await this.cluster.start();
    if (control && !this.#stopped) {
      this.controlToken = randomBytes(24).toString('base64url');
      this.control = await startControlServer(this.cluster, this.controlToken, 0, [this.webUrl]);
    }
    if (web && !this.#stopped) {
      const offered = this.control ? { url: this.control.url, token: this.controlToken } : null;
      this.web = await startWeb(webPort, { api: ingress ? '/api' : this.apiUrls[0]!, control: offered });
    }
    if (ingress && !this.#stopped) {
      this.ingress = await Ingress.start(this.cluster.ingressRoutes(web ? { host: '127.0.0.1', port: webPort } : null), { host: '127.0.0.1', port: ingressPort });
    }
    return this;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await Promise.allSettled([this.ingress?.close(), this.web?.close(), this.control?.close(), this.cluster?.stop(2000)]);
    await this.redis?.stop();
  }
}
