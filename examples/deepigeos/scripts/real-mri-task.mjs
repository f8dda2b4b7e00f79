#!/usr/bin/env node
// Builds small real-MRI segmentation tasks from the Colin27 scans and the AAL atlas of Debian's
// `mricron-data` package (see scripts/README.md): separate train and test cases, each a crop of a
// real T1 with its own intensity perturbation. Usage:
//   node scripts/real-mri-task.mjs --out DIR [--task deep-grey|brain] [--train 8] [--test 4] [--seed 0]
//     [--templates /usr/share/mricron/templates]
// Training cases come from ch2 (1 mm), test cases from ch2better (0.5 mm, resampled onto the ch2
// grid: the same subject, another reconstruction) and, for deep-grey, from the other hemisphere
// mirrored, so no test voxel is a training voxel.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { niftiFromVolume, readNifti, toCanonical, volumeFromNifti, writeNifti } from '@deepigeos/io-nifti';

const { values: args } = parseArgs({
  options: {
    out: { type: 'string' },
    task: { type: 'string', default: 'deep-grey' },
    train: { type: 'string', default: '8' },
    test: { type: 'string', default: '4' },
    seed: { type: 'string', default: '0' },
    templates: { type: 'string', default: '/usr/share/mricron/templates' },
  },
});
if (!args.out) throw new Error('--out DIR is required');
if (!['deep-grey', 'brain'].includes(args.task)) throw new Error(`--task must be deep-grey or brain, got ${args.task}`);

// Mulberry32: small seeded generator, so a seed always gives the same cases.
function rng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const uniform = (lo, hi) => lo + (hi - lo) * next();
  const normal = () => Math.sqrt(-2 * Math.log(next() + 1e-12)) * Math.cos(2 * Math.PI * next());
  return { next, uniform, normal, int: (n) => Math.floor(next() * n) };
}

async function load(name) {
  const v = volumeFromNifti(toCanonical(await readNifti(join(args.templates, `${name}.nii.gz`))));
  return { data: Float32Array.from(v.data), shape: [...v.shape], spacing: [...v.spacing], affine: v.affine };
}

// Trilinear resampling of `src` onto the grid of `ref` through both affines (world mm).
function resampleOnto(src, ref) {
  const [D, H, W] = ref.shape;
  const [sd, sh, sw] = src.shape;
  const out = new Float32Array(D * H * W);
  const A = ref.affine;
  const B = src.affine; // axis-aligned (diagonal) in both Colin27 files
  for (let z = 0, i = 0; z < D; z++) {
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++, i++) {
        const wx = A[0][0] * x + A[0][3];
        const wy = A[1][1] * y + A[1][3];
        const wz = A[2][2] * z + A[2][3];
        const fx = (wx - B[0][3]) / B[0][0];
        const fy = (wy - B[1][3]) / B[1][1];
        const fz = (wz - B[2][3]) / B[2][2];
        const x0 = Math.floor(fx);
        const y0 = Math.floor(fy);
        const z0 = Math.floor(fz);
        let v = 0;
        for (let c = 0; c < 8; c++) {
          const xi = x0 + (c & 1);
          const yi = y0 + ((c >> 1) & 1);
          const zi = z0 + ((c >> 2) & 1);
          if (xi < 0 || yi < 0 || zi < 0 || xi >= sw || yi >= sh || zi >= sd) continue;
          const w = (c & 1 ? fx - x0 : 1 - fx + x0) * ((c >> 1) & 1 ? fy - y0 : 1 - fy + y0) * ((c >> 2) & 1 ? fz - z0 : 1 - fz + z0);
          v += w * src.data[(zi * sh + yi) * sw + xi];
        }
        out[i] = v;
      }
    }
  }
  return { data: out, shape: [...ref.shape], spacing: [...ref.spacing], affine: ref.affine };
}

function boxOf(mask, shape) {
  const lo = [Infinity, Infinity, Infinity];
  const hi = [-1, -1, -1];
  const [, H, W] = shape;
  for (let i = 0; i < mask.length; i++) {
    if (!mask[i]) continue;
    const p = [Math.floor(i / (H * W)), Math.floor(i / W) % H, i % W];
    for (let a = 0; a < 3; a++) {
      lo[a] = Math.min(lo[a], p[a]);
      hi[a] = Math.max(hi[a], p[a]);
    }
  }
  return { lo, hi };
}

function crop(vol, start, size, T = Float32Array) {
  const [, H, W] = vol.shape;
  const out = new T(size[0] * size[1] * size[2]);
  for (let z = 0, k = 0; z < size[0]; z++) {
    for (let y = 0; y < size[1]; y++) {
      const row = ((start[0] + z) * H + start[1] + y) * W + start[2];
      for (let x = 0; x < size[2]; x++, k++) out[k] = vol.data[row + x];
    }
  }
  return out;
}

function flipW(data, shape) {
  const [D, H, W] = shape;
  const out = new data.constructor(data.length);
  for (let r = 0; r < D * H; r++) for (let x = 0; x < W; x++) out[r * W + x] = data[r * W + W - 1 - x];
  return out;
}

// 2x2x2 averaging (image) / majority (label) for the whole-head task.
function downsample2(data, shape, label) {
  const [D, H, W] = shape.map((s) => Math.floor(s / 2));
  const out = label ? new Uint8Array(D * H * W) : new Float32Array(D * H * W);
  for (let z = 0, k = 0; z < D; z++) {
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++, k++) {
        let s = 0;
        for (let c = 0; c < 8; c++) s += data[((2 * z + (c >> 2)) * shape[1] + 2 * y + ((c >> 1) & 1)) * shape[2] + 2 * x + (c & 1)];
        out[k] = label ? (s >= 4 ? 1 : 0) : s / 8;
      }
    }
  }
  return { data: out, shape: [D, H, W] };
}

// Scanner-like perturbation: global gain, gamma, smooth multiplicative bias field, Rician-like noise.
function perturb(data, shape, r) {
  const [D, H, W] = shape;
  let max = 0;
  for (const v of data) max = Math.max(max, v);
  const gain = r.uniform(0.6, 1.6);
  const gamma = Math.exp(r.uniform(-0.35, 0.35));
  const coef = Array.from({ length: 9 }, () => r.normal() * 0.25);
  const noise = r.uniform(0.01, 0.05) * max;
  const out = new Float32Array(data.length);
  for (let z = 0, i = 0; z < D; z++) {
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++, i++) {
        const p = [z / D - 0.5, y / H - 0.5, x / W - 0.5];
        const b = Math.exp(coef[0] * p[0] + coef[1] * p[1] + coef[2] * p[2] + coef[3] * p[0] * p[0] + coef[4] * p[1] * p[1] + coef[5] * p[2] * p[2] + coef[6] * p[0] * p[1] + coef[7] * p[0] * p[2] + coef[8] * p[1] * p[2]);
        const v = max * (Math.max(data[i], 0) / max) ** gamma * b;
        const re = v + r.normal() * noise;
        const im = r.normal() * noise;
        out[i] = gain * Math.sqrt(re * re + im * im);
      }
    }
  }
  return out;
}

const ch2 = await load('ch2');
const better = resampleOnto(await load('ch2better'), ch2);
const aal = await load('aal');
const bet = await load('ch2bet');
const seed = Number(args.seed);
const cases = [
  ...Array.from({ length: Number(args.train) }, (_, k) => ({ split: 'train', k, source: ch2, side: 'L' })),
  ...Array.from({ length: Number(args.test) }, (_, k) => ({ split: 'test', k, source: better, side: 'R' })),
];
for (const c of cases) {
  const r = rng(seed * 1000 + (c.split === 'train' ? 0 : 500) + c.k);
  let image;
  let label;
  let shape;
  let spacing = [...ch2.spacing];
  if (args.task === 'deep-grey') {
    // Caudate, putamen and pallidum of one hemisphere (AAL 71/73/75 left, 72/74/76 right).
    const ids = c.side === 'L' ? [71, 73, 75] : [72, 74, 76];
    const mask = Uint8Array.from(aal.data, (v) => (ids.includes(Math.round(v)) ? 1 : 0));
    const { lo, hi } = boxOf(mask, ch2.shape);
    const start = lo.map((l) => Math.max(0, l - 8 - r.int(14)));
    const end = hi.map((h, a) => Math.min(ch2.shape[a] - 1, h + 8 + r.int(14)));
    shape = start.map((s, a) => end[a] - s + 1);
    image = crop(c.source, start, shape);
    label = crop({ data: mask, shape: ch2.shape }, start, shape, Uint8Array);
    // The right hemisphere is mirrored so that both splits show a "left" structure.
    if (c.side === 'R') {
      image = flipW(image, shape);
      label = flipW(label, shape);
    }
  } else {
    // Whole-brain extraction on the (unstripped) head at 2 mm: label = Colin27's brain mask (ch2bet > 0).
    const mask = Uint8Array.from(bet.data, (v) => (v > 0 ? 1 : 0));
    const im = downsample2(c.source.data, ch2.shape, false);
    const lab = downsample2(mask, ch2.shape, true);
    const off = [r.int(8), r.int(8), r.int(8)];
    shape = im.shape.map((s) => s - 8);
    image = crop({ data: im.data, shape: im.shape }, off, shape);
    label = crop({ data: lab.data, shape: im.shape }, off, shape, Uint8Array);
    if (r.next() < 0.5) {
      image = flipW(image, shape);
      label = flipW(label, shape);
    }
    spacing = spacing.map((s) => 2 * s);
  }
  image = perturb(image, shape, r);
  const name = `${c.split === 'train' ? 'Train' : 'Test'}_${String(c.k + 1).padStart(3, '0')}`;
  const dir = join(args.out, c.split, name);
  mkdirSync(dir, { recursive: true });
  const [sz, sy, sx] = spacing;
  const affine = [
    [sx, 0, 0, 0],
    [0, sy, 0, 0],
    [0, 0, sz, 0],
    [0, 0, 0, 1],
  ];
  const base = { shape, spacing, affine };
  await writeNifti(join(dir, `${name}_t1.nii.gz`), niftiFromVolume({ ...base, data: image }));
  await writeNifti(join(dir, `${name}_seg.nii.gz`), niftiFromVolume({ ...base, data: label }));
  let fg = 0;
  for (const v of label) fg += v;
  process.stdout.write(`${join(dir, name)}  shape ${shape.join('x')}  foreground ${fg} voxels\n`);
}
