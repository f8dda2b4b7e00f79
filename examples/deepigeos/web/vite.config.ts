// Vite config of the web app: `vite web` (dev server) and `vite build web` (static site in web/dist).
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const webRoot = fileURLToPath(new URL('.', import.meta.url));
/**
 * Built into the app: the trained networks (`<name>/model.json`, `weights.bin`, `config.json`,
 * optional `crf/`) and the sample volume(s) — the committed ones by default, or your own via
 * DEEPIGEOS_WEB_WEIGHTS=/abs/path and DEEPIGEOS_WEB_SAMPLE=/abs/path.
 */
const weightsDir = process.env['DEEPIGEOS_WEB_WEIGHTS'] ?? fileURLToPath(new URL('../weights', import.meta.url));
const sampleDir = process.env['DEEPIGEOS_WEB_SAMPLE'] ?? fileURLToPath(new URL('../sample', import.meta.url));

/**
 * Cross-origin isolation (COOP + COEP) for `vite web` and `vite preview web`: it lets the geodesic
 * package compute large 3D distance maps on two threads in its Web Worker. Static hosts should
 * send the same two headers; without them the app works the same, on one thread.
 */
const isolationHeaders = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

export default defineConfig({
  root: webRoot,
  resolve: { alias: { '@deepigeos-web-weights': weightsDir, '@deepigeos-web-sample': sampleDir } },
  // Relative asset URLs: the built site works from any folder or static host.
  base: './',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // The networks and the sample are fetched at run time; the tfjs bundle itself is large.
    chunkSizeWarningLimit: 4096,
  },
  preview: { headers: isolationHeaders },
  server: { headers: isolationHeaders, fs: { allow: [fileURLToPath(new URL('../../..', import.meta.url)), weightsDir, sampleDir] } },
});
