// Bundles the page in the directory given as argument (index.html + main.ts) with Vite, in a
// process of its own (inside vitest, Vite's resolver does not report Node built-ins), and prints
// { warnings, files } as JSON.
import { build, createLogger } from 'vite';

const root = process.argv[2];
const warnings = [];
const logger = createLogger('warn', { allowClearScreen: false });
logger.warn = (message) => void warnings.push(message);
logger.warnOnce = logger.warn;
logger.info = () => {};
const output = await build({
  root,
  base: './',
  logLevel: 'warn',
  customLogger: logger,
  configFile: false,
  build: { outDir: 'dist', target: 'es2022', write: false, chunkSizeWarningLimit: 1e6, reportCompressedSize: false },
});
const files = (Array.isArray(output) ? output : [output])
  .flatMap((o) => o.output)
  .map((c) => ({ name: c.fileName, bytes: c.type === 'chunk' ? Buffer.byteLength(c.code) : c.source.length }));
process.stdout.write(JSON.stringify({ warnings, files }));
