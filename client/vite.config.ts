import { defineConfig } from 'vite';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('.', import.meta.url));

/**
 * The browser client. `/statecraft.json` (API addresses, control endpoint) is
 * served by whoever runs the dev server: the cluster supervisor or a test.
 */
export default defineConfig({
  root,
  build: {
    outDir: '../dist/client',
    emptyOutDir: true,
    // Phaser alone is ~1.2 MB minified: one chunk is expected, not a regression.
    chunkSizeWarningLimit: 2000,
  },
  server: {
    port: Number(process.env.WEB_PORT ?? 8080),
    strictPort: true,
  },
  // Pre-bundle up front so the first page load never triggers a mid-session re-optimise and reload.
  optimizeDeps: { include: ['phaser', '@colyseus/sdk', '@colyseus/schema'] },
});
