import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { FAULTS, FaultError, type Cluster, type Fault } from './cluster';

export interface ControlServer {
  url: string;
  close(): Promise<void>;
}

/**
 * The supervisor's control endpoint: fault injection for the page and the
 * chaos CLI. Listens on loopback only and requires the bearer token the
 * supervisor generated at boot, because it can kill processes.
 *   GET  /processes            → the processes and their states
 *   POST /faults {fault, target} → inject a fault
 */
export async function startControlServer(cluster: Cluster, token: string, port: number, allowOrigins: string[]): Promise<ControlServer> {
  const expected = Buffer.from(`Bearer ${token}`);
  const server: Server = createServer((req, res) => {
    const origin = req.headers.origin;
    if (origin && allowOrigins.includes(origin)) {
      res.setHeader('access-control-allow-origin', origin);
      res.setHeader('access-control-allow-headers', 'authorization, content-type');
      res.setHeader('access-control-allow-methods', 'GET, POST');
      res.setHeader('vary', 'origin');
    }
    if (req.method === 'OPTIONS') return send(res, 204, null);
    const auth = Buffer.from(req.headers.authorization ?? '');
    if (auth.length !== expected.length || !timingSafeEqual(auth, expected)) {
      return send(res, 401, { code: 'control/unauthorized', message: 'The control endpoint needs the token the supervisor printed at start.' });
    }
    handle(cluster, req).then(
      ([status, body]) => send(res, status, body),
      (err: unknown) => send(res, 500, { code: 'control/failed', message: err instanceof Error ? err.message : String(err) }),
    );
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${bound}`,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

async function handle(cluster: Cluster, req: IncomingMessage): Promise<[number, unknown]> {
  if (req.method === 'GET' && req.url === '/processes') {
    return [200, { processes: cluster.list().map((c) => ({ id: c.spec.id, kind: c.spec.kind, port: c.spec.port, pid: c.pid ?? null, state: c.state, lastExit: c.lastExit })) }];
  }
  if (req.method === 'POST' && req.url === '/faults') {
    let body: { fault?: unknown; target?: unknown };
    try {
      body = JSON.parse(await readBody(req, 1024)) as typeof body;
    } catch {
      return [400, { code: 'control/invalid', message: 'Send JSON: {"fault": "kill", "target": "node-1"}.' }];
    }
    if (!FAULTS.includes(body.fault as Fault) || typeof body.target !== 'string') {
      return [400, { code: 'control/invalid', message: `fault must be one of ${FAULTS.join(', ')} and target a process id.` }];
    }
    try {
      const at = Date.now();
      const done = await cluster.inject(body.fault as Fault, body.target);
      return [200, { ok: true, message: done, at }];
    } catch (err) {
      if (err instanceof FaultError) return [409, { code: err.code, message: err.message }];
      throw err;
    }
  }
  return [404, { code: 'control/not-found', message: 'Try GET /processes or POST /faults.' }];
}

function readBody(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let data = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      data += chunk;
      if (data.length > limit) reject(new Error('body too large'));
    });
    req.on('end', () => resolve(data));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.statusCode = status;
  if (body === null) return void res.end();
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify(body));
}
