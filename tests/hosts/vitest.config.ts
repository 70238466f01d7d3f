import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

/**
 * `npm run test:hosts`: the cluster across real hosts (network namespaces, as root on Linux).
 * Its own project, outside `npm test`'s three layers: it needs root, and it builds a network.
 */
export default defineConfig({
  root,
  test: {
    name: 'hosts',
    include: ['tests/hosts/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 90_000,
    pool: 'forks',
    fileParallelism: false,
  },
});
