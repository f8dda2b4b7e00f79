// Cost of the threaded WASM build's stack guard (STACK_OVERFLOW_CHECK=2): times one-thread solves
// of wasm/geodesic-threads.wasm against the same sources built without the guard (needs Debian's
// emcc; built into a temporary folder), alternating, median of 5. Run: node bench/stack-guard.mjs
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { validateRequest } from '../dist/validate.js';
import { wasmImports, wrapInstance } from '../dist/wasm-backend.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'geodesic-stack-guard-'));
const unguarded = join(work, 'unguarded.wasm');
// The threaded build's command line (scripts/build-wasm.sh) without STACK_OVERFLOW_CHECK.
const script = readFileSync(join(root, 'scripts', 'build-wasm.sh'), 'utf8')
  .replace(/ -s STACK_OVERFLOW_CHECK=2/, '')
  .replace(/^emcc \$flags -s EXPORTED_FUNCTIONS=\$exports \$core -o wasm\/geodesic\.wasm$/m, 'true')
  .replace(/^cd .*$/m, `cd '${root}'`)
  .replaceAll('wasm/geodesic-threads.wasm', unguarded);
execFileSync('sh', ['-c', script], { cwd: root, stdio: 'ignore', env: { ...process.env, NODE_PATH: process.env.NODE_PATH ?? '/usr/share/nodejs' } });

async function backend(path) {
  const module = await WebAssembly.compile(readFileSync(path));
  const memory = new WebAssembly.Memory({ initial: 256, maximum: 65536, shared: true });
  const { exports } = await WebAssembly.instantiate(module, wasmImports(memory));
  exports._initialize();
  if (exports.__set_stack_limits) {
    exports.emscripten_stack_init();
    exports.__set_stack_limits(exports.emscripten_stack_get_base(), exports.emscripten_stack_get_end());
  }
  return wrapInstance({ exports, memory }, { threadSetting: () => 1, threads: () => 1 });
}

const shape = [64, 96, 96];
const n = shape[0] * shape[1] * shape[2];
const image = new Float32Array(n).map((_, i) => Math.sin(i * 0.01) * 50 + ((i * 7919) % 13));
const seeds = new Uint8Array(n);
seeds[n >> 1] = 1;
const builds = { unguarded: await backend(unguarded), guarded: await backend(join(root, 'wasm', 'geodesic-threads.wasm')) };
console.log(`stack guard cost, one thread, ${shape.join('×')}, load average ${loadavg()[0].toFixed(1)}`);
for (const method of ['raster', 'exact']) {
  const request = validateRequest(image, seeds, shape, { method });
  const times = { unguarded: [], guarded: [] };
  for (let round = 0; round < 5; round++) {
    for (const [name, b] of Object.entries(builds)) {
      const t0 = performance.now();
      b.compute(request);
      times[name].push(performance.now() - t0);
    }
  }
  const median = (a) => a.sort((x, y) => x - y)[2];
  const [u, g] = [median(times.unguarded), median(times.guarded)];
  console.log(`${method}: unguarded ${u.toFixed(1)} ms, guarded ${g.toFixed(1)} ms, ratio ${(g / u).toFixed(3)}`);
}
rmSync(work, { recursive: true, force: true });
