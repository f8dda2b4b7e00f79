// R-Net's distance maps in the PyTorch trainer (the package's C++ core through ctypes) are
// bit-identical to @deepigeos/geodesic's 'raster' method and to @deepigeos/rnet's encoding, on a
// real MRI volume (nibabel's anatomical.nii), 3D and 2D, one and two channels.
import { join } from 'node:path';
import { loadCase } from '@deepigeos/examples';
import { geodesicDistance, ready } from '@deepigeos/geodesic';
import { writeSafetensors } from '@deepigeos/pnet';
import { encodeInteractionsData } from '@deepigeos/rnet';
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tensors, tool, workDir } from './harness.js';

const MRI = '/usr/lib/python3/dist-packages/nibabel/tests/data/anatomical.nii';
const work = workDir('torch-geodesic-');
afterAll(work.remove);

interface Case {
  name: string;
  image: Float32Array;
  shape: number[];
  channels: number;
  spacing: number[];
  seeds: Uint8Array;
  lambda: number;
}
const cases: Case[] = [];

beforeAll(async () => {
  await ready();
  const c = await loadCase({ id: 'anat', kind: 'nifti', images: [MRI] }, { canonical: true, spacing: null, crop: false, cropMargin: 0, zscore: true });
  const { data, shape, spacing } = c.image;
  const n = data.length;
  const [D, H, W] = shape as [number, number, number];
  const seeds3 = new Uint8Array(n);
  for (const [d, h, w] of [[D >> 1, H >> 1, W >> 1], [2, 3, 4], [D - 3, H - 5, W >> 2]]) seeds3[(d! * H + h!) * W + w!] = 1;
  const twoChannels = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) [twoChannels[2 * i], twoChannels[2 * i + 1]] = [data[i]!, data[i]! * data[i]!];
  const z = D >> 1;
  const slice = data.slice(z * H * W, (z + 1) * H * W);
  const seeds2 = seeds3.slice(z * H * W, (z + 1) * H * W);
  cases.push(
    { name: '3D MRI, λ = 1, anisotropic spacing', image: data, shape, channels: 1, spacing, seeds: seeds3, lambda: 1 },
    { name: '3D MRI, two channels, λ = 0.5', image: twoChannels, shape, channels: 2, spacing, seeds: seeds3, lambda: 0.5 },
    { name: '2D MRI slice, λ = 1', image: slice, shape: [H, W], channels: 1, spacing: spacing.slice(1), seeds: seeds2, lambda: 1 },
  );
  cases.forEach((k, i) => {
    const input = new Map([
      ['image', { data: k.image, shape: [...k.shape, k.channels] }],
      ['seeds', { data: Float32Array.from(k.seeds), shape: k.shape }],
      ['spacing', { data: Float32Array.from(k.spacing), shape: [k.spacing.length] }],
      ['lambda', { data: Float32Array.of(k.lambda), shape: [1] }],
    ]);
    writeFileSync(join(work.dir, `in${i}.safetensors`), writeSafetensors(input));
  });
  tool('geodesic', work.dir, ...cases.map((_, i) => String(i)));
});

describe("PyTorch trainer's geodesic maps = @deepigeos/geodesic 'raster'", () => {
  it.each([0, 1, 2])('case %i: raw distances and normalised R-Net channels are bit-identical', async (i) => {
    const k = cases[i]!;
    const py = tensors(join(work.dir, `out${i}.safetensors`));
    const shape = k.shape as [number, number] | [number, number, number];
    const js = geodesicDistance(k.image, k.seeds, shape, { spacing: k.spacing, lambda: k.lambda, iterations: 2, method: 'raster', channels: k.channels });
    const raster = py.get('raster')!;
    expect(raster.shape).toEqual(k.shape);
    expect(Buffer.from(raster.data.buffer).equals(Buffer.from(js.buffer)), k.name).toBe(true);
    expect(Math.max(...js.filter(Number.isFinite))).toBeGreaterThan(1); // not a trivial map
    // The R-Net encoding (channel C + 1 = G(fg)); empty background seeds encode as all ones.
    const encoded = await encodeInteractionsData({
      image: k.image, shape, spacing: k.spacing, channels: k.channels,
      probability: new Float32Array(k.seeds.length), fgSeeds: k.seeds, bgSeeds: new Uint8Array(k.seeds.length),
      geodesic: { lambda: k.lambda },
    });
    const stride = k.channels + 3;
    const gFg = Float32Array.from({ length: k.seeds.length }, (_, v) => encoded[v * stride + k.channels + 1]!);
    expect(Buffer.from(py.get('normalized')!.data.buffer).equals(Buffer.from(gFg.buffer)), k.name).toBe(true);
  });
});
