// Benchmark in Debian's headless Chromium (cross-origin-isolated page): the package's WebAssembly
// SIMD kernels on 2 threads and 1 against tfjs' own kernels, side by side per case in one run.
//   npm run build && node bench/pnet-bench-browser.mjs
//   (VITE_PNET_BENCH_ONLY=substring[,…]: some cases; VITE_PNET_BENCH_PATHS=substring[,…]: some paths)
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runInChromium } from '../../../scripts/browser-test.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const load = () => execFileSync('cat', ['/proc/loadavg'], { encoding: 'utf8' }).split(' ').slice(0, 3).join(' ');
console.log(`load average at start: ${load()}`);
const r = await runInChromium({ entry: join(here, 'browser-bench-entry.ts'), timeoutMs: 3_600_000, crossOriginIsolated: true });
console.log(`${r.userAgent}; crossOriginIsolated ${r.crossOriginIsolated}; ${r.cores} cores; median wall s (ratio to tfjs)`);
for (const row of r.rows) {
  const tfjs = row.results.find((x) => x.label === 'tfjs')?.seconds;
  const cells = row.results.map((x) => `${x.label} [${x.implementation}] ${x.seconds.toFixed(3)} s${tfjs ? ` (${(x.seconds / tfjs).toFixed(2)}×)` : ''}`);
  console.log(`${row.name.padEnd(24)} | ${row.shape.padEnd(11)} | ${cells.join(' | ')}`);
}
console.log(`load average at end: ${load()}`);
