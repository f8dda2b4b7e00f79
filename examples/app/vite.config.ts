// Vite config of the app: `vite` (dev server) and `vite build` (static site in dist/).
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/**
 * Built into the app: the trained networks (`<name>/model.json`, `weights.bin`, `config.json`,
 * optional `crf/`) and the sample volume — the CLI's bundled ones by default, or your own via
 * DEEPIGEOS_APP_WEIGHTS=/abs/path and DEEPIGEOS_APP_SAMPLE=/abs/path.
 */
const weightsDir = process.env['DEEPIGEOS_APP_WEIGHTS'] ?? fileURLToPath(new URL('../deepigeos/weights', import.meta.url));
const sampleDir = process.env['DEEPIGEOS_APP_SAMPLE'] ?? fileURLToPath(new URL('../deepigeos/sample', import.meta.url));

/**
 * Cross-origin isolation (COOP + COEP): lets the geodesic package run its distance maps on two
 * threads inside the pipeline worker. Static hosts should send the same two headers; without
 * them the app works the same, on one thread.
 */
export const isolationHeaders = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  resolve: { alias: { '@deepigeos-app-weights': weightsDir, '@deepigeos-app-sample': sampleDir } },
  // Relative asset URLs: the built site works from any folder or static host.
  base: './',
  worker: { format: 'es' },
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 8192, assetsInlineLimit: 0 },
  preview: { headers: isolationHeaders },
  server: { headers: isolationHeaders, fs: { allow: [fileURLToPath(new URL('../..', import.meta.url)), weightsDir, sampleDir] } },
});
