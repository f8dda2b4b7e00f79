// Vite config of the web app: `vite web` (dev server) and `vite build web` (static site in web/dist).
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const webRoot = fileURLToPath(new URL('.', import.meta.url));
/**
 * Folder with the networks (`<name>/model.json` + `weights.bin`) and `sample/*.nii.gz` built into
 * the app: the committed weights by default, or your own via DEEPIGEOS_WEB_ASSETS=/abs/path.
 */
const assetsDir = process.env['DEEPIGEOS_WEB_ASSETS'] ?? fileURLToPath(new URL('../weights', import.meta.url));

export default defineConfig({
  root: webRoot,
  resolve: { alias: { '@deepigeos-web-assets': assetsDir } },
  // Relative asset URLs: the built site works from any folder or static host.
  base: './',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // The networks and the sample are fetched at run time; the tfjs bundle itself is large.
    chunkSizeWarningLimit: 4096,
  },
  server: { fs: { allow: [fileURLToPath(new URL('../../..', import.meta.url)), assetsDir] } },
});
