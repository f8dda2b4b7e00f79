// Benchmark: native and WASM builds of each method, at equal thread counts (1 and 2 for 3D), against
// a plain single-threaded C++ raster scan (GeodisTK semantics) and a plain TypeScript raster scan,
// on a 181×217×181 head phantom and a 512×512 slice, all in one run. Also reports each fast
// method's error against 'exact'.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { it } from 'vitest';
import { loadBackend, loadWasmBackend } from '../src/loader-node.js';
import type { Backend, GeodesicMethod } from '../src/types.js';
import { validateRequest } from '../src/validate.js';
import { createWasmBackend } from '../src/wasm-backend.js';
import { rasterReference } from '../test/reference.js';
import { plainCpp, withCppProgram } from './cpp-programs.js';
import { headPhantom } from './phantom.js';
import { timeBest } from './timing.js';

/** Mean of |approx − exact| / exact over non-seed voxels. */
function meanRelativeError(approx: Float32Array, exact: Float32Array): number {
  let sum = 0;
  let n = 0;
  for (let i = 0; i < exact.length; i++) {
    if (exact[i]! > 0) {
      sum += Math.abs(approx[i]! - exact[i]!) / exact[i]!;
      n++;
    }
  }
  return sum / n;
}

/**
 * The core's raster scans as a C++ program built with the addon's flags, with the AVX2 clones
 * (like the addon) and without (4-lane SSE2, the vector width of WebAssembly SIMD): separates
 * the WASM gap due to vector width from the rest.
 */
function coreRasterBuilds(image: Float32Array, seeds: Uint8Array, dims: number[], repeats: number) {
  const core = ['geodesic.cpp', 'raster.cpp', 'exact.cpp', 'buckets.cpp', 'sweep.cpp', 'threads.cpp'].map((f) => `native/core/${f}`);
  const flags = ['-O3', '-pthread', '-ffp-contract=off', '-fno-trapping-math', '-fno-math-errno'];
  const run = (extra: string[]) =>
    withCppProgram('core-raster.cpp', core, [...flags, ...extra], { image, seeds }, (exe, files) => {
      const out = execFileSync(exe, [files.image, files.seeds, ...dims.map(String), String(repeats)], { encoding: 'utf8' });
      return new Map(out.trim().split('\n').map((line) => [line.split(' ')[0]!, Number(line.split(' ')[1])]));
    });
  return { avx2: run([]), sse2: run(['-DGEODESIC_NO_CLONES']) };
}

/** Dijkstra vs the bucket queue (1 and 2 threads) vs label-correcting sweeps, λ = 1, 0.3, 0. */
function exactStudy(label: string, dims: [number, number, number]) {
  const phantom = headPhantom(dims[0], dims[1], dims[2], 5);
  const core = ['geodesic.cpp', 'raster.cpp', 'exact.cpp', 'buckets.cpp', 'sweep.cpp', 'threads.cpp'].map((f) => `native/core/${f}`);
  // The addon's floating-point flags, so every variant compares bit for bit.
  const flags = ['-O3', '-pthread', '-ffp-contract=off', '-fno-trapping-math', '-fno-math-errno'];
  const out = withCppProgram('exact-study.cpp', core, flags, phantom, (exe, files) =>
    execFileSync(exe, [files.image, files.seeds, ...dims.map(String)], { encoding: 'utf8' }),
  );
  console.log(`\nexact solvers on the ${label} (${dims.join('×')}), native C++:\n${out}`);
}

/** Runs `fn` with DEEPIGEOS_GEODESIC_THREADS=1 when `threads` is 1 (both backends read it per call). */
function withThreads<T>(threads: number, fn: () => T): T {
  if (threads !== 1) return fn();
  process.env.DEEPIGEOS_GEODESIC_THREADS = '1';
  try {
    return fn();
  } finally {
    delete process.env.DEEPIGEOS_GEODESIC_THREADS;
  }
}

const threadLabel = (t: number) => `${t} thread${t > 1 ? 's' : ''}`;

async function benchmark(label: string, dims: [number, number, number], repeats: number) {
  const [D, H, W] = dims;
  const { image, seeds } = headPhantom(D, H, W, 5);
  const shape = (D === 1 ? [H, W] : [D, H, W]) as [number, number] | [number, number, number];
  // The threaded WASM build (helper worker) as ready() loads it in Node, and the single-threaded
  // build every other environment uses.
  const native = await loadBackend('native');
  const wasm = await loadWasmBackend();
  const wasmSingle = await createWasmBackend(readFileSync(new URL('../wasm/geodesic.wasm', import.meta.url)));
  if (native.threads() !== 2 || wasm.threads() !== 2) throw new Error('benchmark needs two threads on both backends');
  const plain = plainCpp(image, seeds, [D, H, W], repeats);
  const rows: [string, number][] = [['C++ plain raster (g++ -O2, baseline)', plain.seconds]];
  const builds = coreRasterBuilds(image, seeds, [D, H, W], repeats);
  const tTs = timeBest(1, () => rasterReference({ image, seeds, dims }, 2, undefined, 'f64'));
  rows.push(['TypeScript plain raster', tTs]);
  const results = new Map<string, Float32Array>();
  // 2D maps always run on one thread; 3D volumes this large split between two by default.
  const threadCounts = D === 1 ? [1] : [1, 2];
  const tasksBefore = wasm.helperTasks();
  for (const method of ['raster', 'raster-causal', 'exact'] as GeodesicMethod[]) {
    const request = validateRequest(image, seeds, shape, { method });
    const runs = method === 'exact' ? Math.min(repeats, 2) : repeats;
    for (const threads of threadCounts) {
      for (const b of [native, wasm] as Backend[]) {
        let out: Float32Array = new Float32Array(0);
        const t = withThreads(threads, () =>
          timeBest(runs, () => {
            out = b.compute(request);
          }),
        );
        rows.push([`${b.name} '${method}', ${threadLabel(threads)}`, t]);
        results.set(`${b.name} ${method} ${threads}`, out);
      }
    }
    if (method !== 'exact') {
      rows.push([`C++ core '${method}', AVX2 (as the addon), 1 thread`, builds.avx2.get(method)!]);
      rows.push([`C++ core '${method}', SSE2 only (4 lanes), 1 thread`, builds.sse2.get(method)!]);
    }
    rows.push([`wasm single-threaded build '${method}'`, timeBest(runs, () => wasmSingle.compute(request))]);
  }
  // λ = 0 (chamfer): 'exact' runs label-correcting sweeps finished by Dijkstra (one thread).
  const chamfer = validateRequest(image, seeds, shape, { method: 'exact', lambda: 0 });
  for (const b of [native, wasm] as Backend[]) rows.push([`${b.name} 'exact', λ = 0`, timeBest(Math.min(repeats, 2), () => b.compute(chamfer))]);
  const top = threadCounts[threadCounts.length - 1]!;
  const nativeRaster = results.get(`native raster ${top}`)!;
  const sameAsPlain = Buffer.from(nativeRaster.buffer).equals(Buffer.from(plain.result.buffer, plain.result.byteOffset, plain.result.byteLength));
  const exact = results.get(`native exact ${top}`)!;
  console.log(`\n${label}: ${dims.join('×')} (${(D * H * W / 1e6).toFixed(2)} M voxels), λ = 1, 2 iterations`);
  console.log('method'.padEnd(58) + 'seconds'.padStart(9) + '  vs plain C++'.padStart(14) + '  vs TS'.padStart(9));
  for (const [name, t] of rows) {
    console.log(
      name.padEnd(58) + t.toFixed(3).padStart(9) + `${(plain.seconds / t).toFixed(2)}×`.padStart(14) + `${(tTs / t).toFixed(1)}×`.padStart(9),
    );
  }
  const seconds = (name: string) => rows.find(([n]) => n === name)![1];
  for (const threads of threadCounts) {
    const ratio = (m: string) => (seconds(`wasm '${m}', ${threadLabel(threads)}`) / seconds(`native '${m}', ${threadLabel(threads)}`)).toFixed(2);
    console.log(`wasm/native time, both on ${threadLabel(threads)}: raster ${ratio('raster')}, raster-causal ${ratio('raster-causal')}, exact ${ratio('exact')}`);
  }
  const overSse2 = (m: string) => (seconds(`wasm '${m}', 1 thread`) / seconds(`C++ core '${m}', SSE2 only (4 lanes), 1 thread`)).toFixed(2);
  console.log(`wasm / 4-lane (SSE2) build of the same C++ core, 1 thread: raster ${overSse2('raster')}, raster-causal ${overSse2('raster-causal')}`);
  if (D > 1) console.log(`wasm helper worker tasks during the run: ${wasm.helperTasks() - tasksBefore}`);
  console.log(`native 'raster' (${threadLabel(top)}) bit-identical to the plain C++ scan: ${sameAsPlain}`);
  const bits = (key: string) => Buffer.from(results.get(key)!.buffer);
  const identical = (m: string) =>
    threadCounts.every((t) => bits(`native ${m} ${t}`).equals(bits(`native ${m} 1`)) && bits(`wasm ${m} ${t}`).equals(bits(`native ${m} 1`)));
  console.log(`native and wasm, every thread count, bit-identical: raster ${identical('raster')}, raster-causal ${identical('raster-causal')}, exact ${identical('exact')}`);
  console.log(
    `mean relative error vs exact: raster ${(100 * meanRelativeError(nativeRaster, exact)).toFixed(1)} %, raster-causal ${(100 * meanRelativeError(results.get(`native raster-causal ${top}`)!, exact)).toFixed(1)} %`,
  );
}

it('geodesic benchmark', async () => {
  await benchmark('2D slice', [1, 512, 512], 5);
  await benchmark('3D head phantom', [181, 217, 181], 2);
});

it('exact solver study', () => {
  exactStudy('2D slice', [1, 512, 512]);
  exactStudy('3D head phantom', [181, 217, 181]);
});
