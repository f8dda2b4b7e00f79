// `npm run app`: serves the app on localhost (with the COOP/COEP headers) and prints its URL.
import { createServer } from 'vite';

const server = await createServer({ configFile: new URL('../vite.config.ts', import.meta.url).pathname, server: { host: '127.0.0.1', port: Number(process.env['PORT'] ?? 5173) } });
await server.listen();
const url = server.resolvedUrls?.local[0] ?? `http://127.0.0.1:${server.config.server.port}/`;
console.log(`DeepIGeoS app: ${url}  (Ctrl+C stops it; everything runs in your browser tab)`);
