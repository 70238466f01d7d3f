import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';

/** OpenAPI document generated from the routes' TypeBox schemas, browsable at /docs. */
async function swaggerPlugin(fastify: FastifyInstance): Promise<void> {
  await fastify.register(swagger, {
    openapi: {
      info: { title: 'Statecraft API', version: '1', description: 'Stateless REST API: sessions, leaderboards, matchmaking, cluster view.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
    },
  });
  await fastify.register(swaggerUi, { routePrefix: '/docs', staticCSP: true });
}

export default fp(swaggerPlugin, { name: 'swagger', fastify: '5.x' });
