// Benchmarks of @deepigeos/crf-rnn (run `npm run bench -w @deepigeos/crf-rnn`; uses dist/).
//  1. Permutohedral lattice: the shipped WebAssembly kernels and the TypeScript fallback vs a
//     plain C++ baseline (bench/permutohedral.cpp, -O2, compiled here, not shipped) on the same
//     features, side by side with the ratios.
//  2. Time per mean-field iteration and per backward pass of CrfNetF and DenseCrf, 2D 256² and
//     3D 96³, 2 labels, on the wasm and cpu tfjs backends.
//  3. One CRF-Net(fu) inference (default 10 iterations; 3×5×5 window on a 3D 96³ ROI, 5×5 on a
//     2D 256² image), first call and best of 3, WebAssembly kernels vs TypeScript loops.
// Pass `--quick` to shrink every size (smoke run), `--only=lattice|layers|fu` to run one section.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-layers';
import { createLattice, crfNetF, crfNetFU, denseCrf } from '../dist/index.js';
import { gaussianFeatures } from '../dist/dense-crf.js';
import { setKernelsEnabled } from '../dist/kernels.js';
import { createRng } from '@deepigeos/core';

const here = dirname(fileURLToPath(import.meta.url));
const quick = process.argv.includes('--quick');
const only = process.argv.find((a) => a.startsWith('--only='))?.slice('--only='.length);
const size2d = quick ? 64 : 256;
const size3d = quick ? 24 : 96;
const work = mkdtempSync(join(tmpdir(), 'crf-bench-'));

/** A smooth sphere/disk phantom plus noise, values in about [0, 1]. */
function phantom(spatial, seed) {
  const rng = createRng(seed);
  const random = () => rng.next();
  const n = spatial.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let rest = i;
    let r2 = 0;
    for (let a = spatial.length - 1; a >= 0; a--) {
      const c = (rest % spatial[a]) / spatial[a] - 0.5;
      rest = Math.floor(rest / spatial[a]);
      r2 += c * c;
    }
    data[i] = (r2 < 0.09 ? 0.7 : 0.3) + 0.1 * (random() - 0.5);
  }
  return data;
}

function best(fn, repeats = 3) {
  let min = Number.POSITIVE_INFINITY;
  for (let r = 0; r < repeats; r++) {
    const t = performance.now();
    fn();
    min = Math.min(min, performance.now() - t);
  }
  return min;
}

// A slope or difference below zero means the quantity drowned in timing noise (loaded machine).
const fmt = (ms) => (ms < 0 ? 'below noise' : ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(1)} ms`);

// ---------- 1. lattice vs C++ ----------
function latticeSection() {
  const binary = join(work, 'permutohedral');
  execFileSync('g++', ['-O2', '-std=c++17', '-o', binary, join(here, 'permutohedral.cpp')]);
  const cases = [
    { name: `2D ${size2d}² appearance (d=3)`, spatial: [size2d, size2d], theta: 10, thetaI: 0.1 },
    { name: `2D ${size2d}² smoothness (d=2)`, spatial: [size2d, size2d], theta: 3, thetaI: null },
    { name: `3D ${size3d}³ appearance (d=4)`, spatial: [size3d, size3d, size3d], theta: 10, thetaI: 0.1 },
    { name: `3D ${size3d}³ smoothness (d=3)`, spatial: [size3d, size3d, size3d], theta: 3, thetaI: null },
  ];
  console.log('\n## Permutohedral lattice, 2 channels: WebAssembly kernels (shipped) and TypeScript fallback vs plain C++ (-O2), best of 3');
  console.log('| case | vertices | wasm build | TS build | C++ build | wasm / C++ | TS / C++ | wasm filter | TS filter | C++ filter | wasm / C++ | TS / C++ | max rel diff wasm, TS vs C++ |');
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  // Warm the JITs on a small lattice so the first case is not charged for compilation.
  const warm = gaussianFeatures(phantom([32, 32], 9), [32, 32], 1, [1, 1], 3, 0.1);
  for (const on of [true, false]) {
    setKernelsEnabled(on);
    createLattice(warm.features, 1024, warm.d).filter(new Float32Array(2048), 2);
  }
  const ratio = (a, b) => `${(a / b).toFixed(2)}×`;
  for (const c of cases) {
    const image = phantom(c.spatial, 1);
    const { features, d } = gaussianFeatures(image, c.spatial, 1, c.spatial.map(() => 1), c.theta, c.thetaI);
    const n = image.length;
    const values = Float32Array.from({ length: n * 2 }, (_, i) => (i % 2 ? image[i >> 1] : 1 - image[i >> 1]));
    const input = join(work, 'in.bin');
    const output = join(work, 'out.bin');
    const header = new Int32Array([n, d, 2]);
    writeFileSync(input, Buffer.concat([Buffer.from(header.buffer), Buffer.from(features.buffer), Buffer.from(values.buffer)]));
    const [cppBuild, cppFilter, vertices] = execFileSync(binary, [input, output, '3'], { encoding: 'utf8' }).trim().split(' ').map(Number);
    const cppOut = new Float32Array(readFileSync(output).buffer.slice(0));
    const timed = {};
    for (const [name, on] of [['wasm', true], ['ts', false]]) {
      setKernelsEnabled(on);
      let lattice;
      const build = best(() => {
        lattice = createLattice(features, n, d);
      }, 2);
      let out;
      const filter = best(() => {
        out = lattice.filter(values, 2);
      });
      let diff = 0;
      for (let i = 0; i < cppOut.length; i++) diff = Math.max(diff, Math.abs(cppOut[i] - out[i]) / Math.max(1e-6, Math.abs(cppOut[i])));
      if (vertices !== lattice.vertexCount) throw new Error(`vertex count differs: C++ ${vertices}, ${name} ${lattice.vertexCount}`);
      timed[name] = { build, filter, diff };
    }
    setKernelsEnabled(true);
    const { wasm, ts } = timed;
    console.log(
      `| ${c.name} | ${vertices} | ${fmt(wasm.build)} | ${fmt(ts.build)} | ${fmt(cppBuild)} | ${ratio(wasm.build, cppBuild)} | ${ratio(ts.build, cppBuild)} | ${fmt(wasm.filter)} | ${fmt(ts.filter)} | ${fmt(cppFilter)} | ${ratio(wasm.filter, cppFilter)} | ${ratio(ts.filter, cppFilter)} | ${wasm.diff.toExponential(1)}, ${ts.diff.toExponential(1)} |`,
    );
  }
}

// ---------- 2. layers per iteration / backward ----------
function inputs(spatial, seed) {
  const image = tf.tensor(phantom(spatial, seed), [1, ...spatial, 1]);
  const rng = createRng(seed + 1);
  const random = () => rng.next();
  const n = spatial.reduce((a, b) => a * b, 1);
  const logits = new Float32Array(n * 2);
  const img = image.dataSync();
  for (let i = 0; i < n; i++) logits[i * 2 + 1] = (img[i] - 0.5) * 6 + (random() - 0.5) * 3;
  return { unaries: tf.tensor(logits, [1, ...spatial, 2]), image };
}

/**
 * Per-iteration costs as slopes (so the once-per-call setup and its noise cancel): forward from
 * 1 vs 11 inference iterations; a training step (forward + all gradients) from 1 vs 6 training
 * iterations. Backward per iteration = training-step slope − forward slope. Best of 2 each.
 */
function layerTimes(make, spatial, withBackward) {
  const { unaries, image } = inputs(spatial, 3);
  const forward = (iterations) => {
    const layer = make({ inferenceIterations: iterations });
    // The tidy returns nothing: a returned typed array would be walked element by element by
    // tf.tidy looking for tensors (about 2 s for a 96³ × 2 output, charged to the layer before).
    const run = () => tf.tidy(() => {
      layer.apply([unaries, image]).dataSync();
    });
    run();
    return best(run, 2);
  };
  const trainingStep = (iterations) => {
    const layer = make({ trainIterations: iterations, inferenceIterations: 1 });
    tf.tidy(() => layer.apply([unaries, image])); // builds the weights outside the gradient tape
    const run = () =>
      tf.tidy(() => {
        const { grads } = tf.variableGrads(() => tf.sum(tf.mul(layer.apply([unaries, image], { training: true }), unaries)));
        for (const g of Object.values(grads)) g.dataSync();
      });
    run();
    return best(run, 2);
  };
  const f1 = forward(1);
  const perIteration = (forward(11) - f1) / 10;
  let backward = null;
  let step5 = null;
  if (withBackward) {
    const s1 = trainingStep(1);
    const s6 = trainingStep(6);
    backward = (s6 - s1) / 5 - perIteration;
    step5 = s1 + ((s6 - s1) * 4) / 5;
  }
  tf.dispose([unaries, image]);
  return { perIteration, setup: f1 - perIteration, backward, step5 };
}

async function layerSection() {
  console.log('\n## Mean-field layers, 2 labels, 1 image channel (setup = lattice or Pairwise-Net, once per call)');
  console.log('| backend | layer | input | setup (once per call) | forward / iteration | backward / iteration | training step, 5 iterations |');
  console.log('|---|---|---|---|---|---|---|');
  const small3d = Math.max(16, size3d / 3);
  const plan = [
    { layer: 'DenseCrf', make: (o) => denseCrf({ thetaAlpha: 10, thetaBeta: 0.1, thetaGamma: 3, ...o }), spatial: [size2d, size2d], backward: true },
    { layer: 'DenseCrf', make: (o) => denseCrf({ thetaAlpha: 10, thetaBeta: 0.1, thetaGamma: 3, ...o }), spatial: [size3d, size3d, size3d], backward: true },
    { layer: 'CrfNetF 5×5', make: (o) => crfNetF(o), spatial: [size2d, size2d], backward: true },
    { layer: 'CrfNetF 3×5×5', make: (o) => crfNetF(o), spatial: [size3d, size3d, size3d], backward: false, backends: ['wasm'] },
    // Training keeps every Pairwise-Net activation (74 offsets × voxels × 29 floats; 1 GB at 48³,
    // beyond the wasm heap): bench the 3D backward on 32³.
    { layer: 'CrfNetF 3×5×5', make: (o) => crfNetF(o), spatial: [small3d, small3d, small3d], backward: true },
  ];
  for (const backend of ['wasm', 'cpu']) {
    await tf.setBackend(backend);
    for (const p of plan) {
      if (p.backends && !p.backends.includes(backend)) continue;
      let t;
      try {
        t = layerTimes(p.make, p.spatial, p.backward);
      } catch (e) {
        console.log(`| ${backend} | ${p.layer} | ${p.spatial.join('×')} | failed: ${String(e).slice(0, 80)} | | | |`);
        continue;
      }
      console.log(
        `| ${backend} | ${p.layer} | ${p.spatial.join('×')} | ${fmt(t.setup)} | ${fmt(t.perIteration)} | ${t.backward === null ? 'not run (memory)' : fmt(t.backward)} | ${t.step5 === null ? '' : fmt(t.step5)} |`,
      );
    }
  }
}

// ---------- 3. CRF-Net(fu) inference ----------
function fuInputs(spatial) {
  const { unaries, image } = inputs(spatial, 5);
  const n = spatial.reduce((a, b) => a * b, 1);
  const fg = new Float32Array(n);
  const bg = new Float32Array(n);
  for (let i = 0; i < n; i += 997) (i % 2 ? fg : bg)[i] = 1;
  return [unaries, image, tf.tensor(fg, [1, ...spatial, 1]), tf.tensor(bg, [1, ...spatial, 1])];
}

async function fuSection() {
  await tf.setBackend('wasm');
  console.log('\n## CRF-Net(fu) inference, 10 iterations, wasm tfjs backend (whole layer call: checks, Pairwise-Net table, mean field)');
  console.log('| input | window | kernels | first call | best of 3 | goal |');
  console.log('|---|---|---|---|---|---|');
  const plan = [
    { spatial: [size3d, size3d, size3d], spacing: [2, 1, 1], window: '3×5×5', goal: '< 2 s' },
    { spatial: [size2d, size2d], spacing: [1, 1], window: '5×5', goal: '≤ 60 ms' },
  ];
  for (const p of plan) {
    const args = fuInputs(p.spatial);
    for (const [name, on] of [['WebAssembly', true], ['TypeScript', false]]) {
      setKernelsEnabled(on);
      // A fresh layer per implementation, built on a small input first (as in an application,
      // where the weights are loaded before the first refinement): "first call" is the first at
      // this size, with whatever JIT warm-up that needs.
      const layer = crfNetFU({ spacing: p.spacing });
      const small = fuInputs(p.spatial.map(() => 8));
      tf.tidy(() => {
        layer.apply(small);
      });
      tf.dispose(small);
      const run = () =>
        tf.tidy(() => {
          layer.apply(args).dataSync();
        });
      const first = best(run, 1);
      const total = best(run, 3);
      console.log(`| ${p.spatial.join('×')} | ${p.window} | ${name} | ${fmt(first)} | ${fmt(total)} | ${p.goal} |`);
    }
    setKernelsEnabled(true);
    tf.dispose(args);
  }
}

try {
  console.log(`crf-rnn bench${quick ? ' (quick)' : ''}: Node ${process.version}, load average ${(await import('node:os')).loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  if (!only || only === 'lattice') latticeSection();
  if (!only || only === 'layers') await layerSection();
  if (!only || only === 'fu') await fuSection();
} finally {
  rmSync(work, { recursive: true, force: true });
}
