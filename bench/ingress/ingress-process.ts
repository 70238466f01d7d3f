import { Ingress, type IngressRoutes } from '../../server/supervisor/ingress';

/**
 * The embedded ingress alone in a process, so the benchmark reads its CPU and nothing else's:
 * routes as JSON in argv[2]; says `{type: 'ready', port}` over IPC, answers `{type: 'cpu'}`
 * with its process.cpuUsage().
 */
const routes = JSON.parse(process.argv[2] ?? '{}') as IngressRoutes;
const ingress = await Ingress.start(routes, { host: '127.0.0.1', port: 0 });
process.on('message', (msg: { type?: string }) => {
  if (msg?.type === 'cpu') process.send?.({ type: 'cpu', usage: process.cpuUsage() });
});
process.once('disconnect', () => void ingress.close().then(() => process.exit(0)));
process.send?.({ type: 'ready', port: ingress.port });
