import { createServer, type Plugin, type ViteDevServer } from 'vite';
import { fileURLToPath } from 'node:url';

/** What the page needs to find the cluster; served as /statecraft.json. */
export interface RuntimeConfig {
  /** Base URL of the API: `/api` on the page's own origin, through the ingress (no list of instances). */
  api: string;
  /** The supervisor's fault-injection endpoint, or null when it is off. */
  control: { url: string; token: string } | null;
}

const CONFIG_FILE = fileURLToPath(new URL('../../client/vite.config.ts', import.meta.url));

/**
 * Starts the web client (Vite) on `port`, serving `runtime` at /statecraft.json. Behind the
 * ingress it listens on an internal port; its HMR socket comes through the ingress too (the
 * page connects to its own origin's port).
 */
export async function startWeb(port: number, runtime: RuntimeConfig, publicHost?: string): Promise<ViteDevServer> {
  const runtimePlugin: Plugin = {
    name: 'statecraft-runtime-config',
    configureServer(server) {
      server.middlewares.use('/statecraft.json', (_req, res) => {
        res.setHeader('content-type', 'application/json');
        res.setHeader('cache-control', 'no-store');
        res.end(JSON.stringify(runtime));
      });
    },
  };
  const server = await createServer({
    configFile: CONFIG_FILE,
    // The ingress passes the browser's Host on: Vite refuses names it does not know (DNS-rebinding guard).
    server: { port, strictPort: true, host: '127.0.0.1', ...(publicHost ? { allowedHosts: [publicHost] } : {}) },
    plugins: [runtimePlugin],
    logLevel: 'warn',
  });
  await server.listen();
  return server;
}
