import fp from 'fastify-plugin';
import type { FastifyInstance, RouteOptions } from 'fastify';
import { ApiError } from '../../../../shared/api';
import { RedisUnavailableError } from '../../../common/redis';
import { watchStore, type StoreWatch } from '../../store-watch';
import type { AppOptions } from '../../types';

/** What the API docs say on every route that needs the store. */
export const NEEDS_STORE_NOTE = '**Needs the store.** While Redis is unreachable this answers at once with 503 `redis/unavailable` and `Retry-After: 1` (no request waits for the store).';

/**
 * The store gate. A route declares `config: { needsStore: true }`; while the
 * store is unreachable it answers 503 redis/unavailable before its handler
 * runs, so no request waits on a connection that queues (Colyseus's) and
 * none fails slowly one command at a time. Tokens are still verified first
 * (they are JWTs: no store needed), so a bad token is a 401 either way.
 * The same flag adds the note and the 503 response to the route's OpenAPI entry.
 */
async function store(fastify: FastifyInstance, opts: AppOptions): Promise<void> {
  const watch: StoreWatch = opts.store ?? watchStore(opts.redis, fastify.log);
  fastify.decorate('store', watch);
  if (!opts.store) fastify.addHook('onClose', async () => watch.close());

  const gate = async (): Promise<void> => {
    if (!watch.up) throw new RedisUnavailableError('Redis is unavailable.');
  };
  fastify.addHook('onRoute', (route: RouteOptions) => {
    if (!(route.config as { needsStore?: boolean } | undefined)?.needsStore) return;
    // After the route's own onRequest hooks (authentication): a bad token stays a 401.
    const own = route.onRequest ? [route.onRequest].flat() : [];
    route.onRequest = [...own, gate] as RouteOptions['onRequest'];
    const schema = (route.schema ??= {}) as { description?: string; response?: Record<number, unknown> };
    schema.description = schema.description ? `${schema.description}\n\n${NEEDS_STORE_NOTE}` : NEEDS_STORE_NOTE;
    schema.response = { 503: ApiError, ...schema.response };
  });
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Whether the store is reachable (see store-watch.ts). */
    store: StoreWatch;
  }
  interface FastifyContextConfig {
    /** The route reads or writes the store: 503 redis/unavailable while it is unreachable. */
    needsStore?: boolean;
  }
}

export default fp(store, { name: 'store', fastify: '5.x' });
