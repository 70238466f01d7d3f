import helmet from '@fastify/helmet';
import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';

/**
 * Security headers on every response, chosen for a JSON API: nothing here is
 * rendered, so a CSP that allows nothing, no framing, no sniffing, no referrer.
 * The HTML-only headers helmet adds by default are left out (they cost bytes
 * on every response and protect nothing). Swagger UI at /docs sets its own CSP.
 */
async function helmetPlugin(fastify: FastifyInstance): Promise<void> {
  await fastify.register(helmet, {
    global: true,
    contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
    crossOriginResourcePolicy: { policy: 'same-site' },
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
    originAgentCluster: false,
    xDnsPrefetchControl: false,
    xDownloadOptions: false,
    xXssProtection: false,
  });
}

export default fp(helmetPlugin, { name: 'helmet', fastify: '5.x' });
