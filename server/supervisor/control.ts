import Fastify from 'fastify';
import type { AddressInfo } from 'node:net';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Cluster } from './cluster';
import controlApp, { CONTROL_BODY_LIMIT } from './control-app';

export interface ControlServer {
  url: string;
  close(): Promise<void>;
}

/**
 * Starts the supervisor's control endpoint (see control-app.ts) on loopback
 * only: it can kill processes, so it is never reachable from another host,
 * and every request needs `token`. `port` 0 takes a free one.
 */
export async function startControlServer(cluster: Cluster, token: string, port: number, allowOrigins: string[]): Promise<ControlServer> {
  const fastify = Fastify({
    bodyLimit: CONTROL_BODY_LIMIT,
    // The page polls GET /processes: the supervisor's console shows faults, not requests.
    logger: false,
    // close() must not wait on a page's keep-alive connection.
    forceCloseConnections: true,
  }).withTypeProvider<TypeBoxTypeProvider>();
  await fastify.register(controlApp, { cluster, token, allowOrigins });
  await fastify.listen({ port, host: '127.0.0.1' });
  const { port: bound } = fastify.server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${bound}`, close: () => fastify.close() };
}
