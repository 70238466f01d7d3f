import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';
import { createNodeResolver, importX } from 'eslint-plugin-import-x';

/**
 * The one-way flow the README promises (browser → API → game node → room →
 * Redis), as import boundaries. Paths are from the repository root, where
 * `npm run lint` runs. Tests may import anything.
 */
const LAYERS = [
  { target: 'shared', from: ['server', 'client', 'bench', 'tests'], message: 'shared/ is imported by every side and imports nothing of ours outside shared/.' },
  { target: 'client', from: ['server', 'bench', 'tests'], message: 'The browser client imports only shared/ (and itself).' },
  { target: 'server/stores', from: ['server/game', 'server/api', 'server/cluster'], message: 'Stores sit under everything: they import no game, API or cluster code.' },
  { target: 'server/cluster', from: 'server/game', message: 'Cluster logic (liveness, failover, seats) is used by the API too: it must not pull in the game node.' },
  { target: 'server/api', from: 'server/game', message: 'The stateless API imports no game-node code (the room, its context, the node): use server/cluster.' },
  { target: 'server/bots', from: 'bench', message: 'bench/ may use the bots, not the other way round.' },
];

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'artifacts/', 'reports/', '.data/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  {
    files: ['**/*.ts'],
    plugins: { 'import-x': importX },
    settings: {
      // Imports are extensionless TypeScript paths; an import the resolver cannot find is not checked at all.
      'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.d.ts', '.js', '.json'], extensionAlias: { '.js': ['.ts', '.js'] } })],
    },
    rules: { 'import-x/no-restricted-paths': ['error', { zones: LAYERS }] },
  },
  {
    // The SDK's Room generics take a room type tests do not have.
    files: ['tests/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['client/**/*.ts'],
    languageOptions: { globals: { ...globals.browser } },
  },
);
