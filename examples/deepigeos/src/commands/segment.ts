/**
 * `deepigeos segment`: segment one image with P-Net (+ CRF-Net(f)), optionally refined with user
 * seeds by R-Net (+ CRF-Net(fu)); writes a mask that overlays the input exactly.
 * @module
 */
import { existsSync, readFileSync } from 'node:fs';
import { initBackend } from '@deepigeos/pnet';
import type { Command } from '../cli/command.js';
import { stem } from '../data/files.js';
import { type LoadedCase, loadCase, maskFromSource } from '../data/load.js';
import { extractSlice } from '../data/sampling.js';
import { checkOutputs, cleanupOnSignal, removeFileTemps } from '../cli/outputs.js';
import { UsageError } from '../errors.js';
import { createSession, pnetOnCase } from '../pipeline/infer.js';
import { checkNetPair, loadTrainedNet, type TrainedNet } from '../pipeline/networks.js';
import { largestSlice, writeMaskNifti, writeOverlayPngs } from '../pipeline/output.js';
import { TRAIN_PNET_SCHEMA, TRAIN_RNET_SCHEMA } from '../train/schema.js';
import { threshold } from '../train/tensors.js';

/** Seeds file: voxel coordinates `[i, j, k]` (NIfTI index order, 0-based, as viewers show them). */
interface SeedsFile {
  fg?: number[][];
  bg?: number[][];
}

/** Reads a seeds JSON file into source-grid masks, checking every point. */
export function readSeeds(file: string, dims: number[]): { fg: Uint8Array; bg: Uint8Array } {
  if (!existsSync(file)) throw new UsageError(`--seeds ${file}: file does not exist`);
  let parsed: SeedsFile;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8')) as SeedsFile;
  } catch (e) {
    throw new UsageError(`--seeds ${file}: not valid JSON (${(e as Error).message})`);
  }
  const [nx, ny, nz = 1] = dims as [number, number, number?];
  const masks = { fg: new Uint8Array(nx * ny * nz), bg: new Uint8Array(nx * ny * nz) };
  if (typeof parsed !== 'object' || parsed === null) throw new UsageError(`--seeds ${file}: expected an object { "fg": [[i,j,k],…], "bg": [[i,j,k],…] }`);
  for (const key of Object.keys(parsed)) if (key !== 'fg' && key !== 'bg') throw new UsageError(`--seeds ${file}: unknown key "${key}" (allowed: fg, bg)`);
  for (const key of ['fg', 'bg'] as const) {
    const points = parsed[key] ?? [];
    if (!Array.isArray(points)) throw new UsageError(`--seeds ${file}: "${key}" must be an array of [i, j, k] points`);
    points.forEach((p, n) => {
      const [i, j, k = 0] = Array.isArray(p) ? p : [];
      const ok = Array.isArray(p) && (p.length === 3 || (p.length === 2 && nz === 1)) && [i, j, k].every((v) => Number.isInteger(v));
      if (!ok || i! < 0 || i! >= nx || j! < 0 || j! >= ny || k < 0 || k >= nz) {
        throw new UsageError(`--seeds ${file}: ${key}[${n}] = ${JSON.stringify(p)} is not an integer voxel [i, j, k] inside ${nx}×${ny}×${nz}`);
      }
      masks[key][i! + j! * nx + k * nx * ny] = 1;
    });
  }
  if (!masks.fg.some(Boolean) && !masks.bg.some(Boolean)) throw new UsageError(`--seeds ${file}: no seeds`);
  return masks;
}

/** Refines a P-Net result with seeds: one 3D session, or one 2D session per seeded slice. */
async function refineWithSeeds(c: LoadedCase, pnet: TrainedNet, rnet: TrainedNet, seeds: { fg: Uint8Array; bg: Uint8Array }, mask: Uint8Array): Promise<Uint8Array> {
  const session = createSession(pnet, rnet);
  const { image } = c;
  if (image.shape.length === pnet.config.dim) {
    await session.segment({ data: image.data, shape: image.shape as [number, number, number], spacing: image.spacing, channels: image.channels });
    await session.addSeeds('fg', seeds.fg);
    await session.addSeeds('bg', seeds.bg);
    return (await session.refine()).mask;
  }
  if (pnet.config.sliceAxis !== 0) throw new UsageError('segment --seeds with a 2D network supports axial (sliceAxis 0) networks only');
  const out = mask.slice();
  const plane = image.shape[1]! * image.shape[2]!;
  for (let z = 0; z < image.shape[0]!; z++) {
    const fg = seeds.fg.subarray(z * plane, (z + 1) * plane);
    const bg = seeds.bg.subarray(z * plane, (z + 1) * plane);
    if (!fg.some(Boolean) && !bg.some(Boolean)) continue;
    const slice = extractSlice({ image, label: new Uint8Array(mask.length) }, 0, z).image;
    await session.segment({ data: slice.data, shape: slice.shape as [number, number], spacing: slice.spacing, channels: slice.channels });
    await session.addSeeds('fg', Uint8Array.from(fg));
    await session.addSeeds('bg', Uint8Array.from(bg));
    out.set((await session.refine()).mask, z * plane);
  }
  return out;
}

/** The `segment` command. */
export const segmentCommand: Command = {
  name: 'segment',
  summary: 'Segment IMAGE.nii.gz with P-Net (+ CRF-Net(f)), optionally refined by R-Net (+ CRF-Net(fu)) with seeds; the mask overlays the input exactly.',
  usage: 'IMAGE.nii.gz --pnet DIR --out SEG.nii.gz [--rnet DIR --seeds SEEDS.json] [--png DIR]',
  flags: {
    pnet: { type: 'string', value: 'DIR', help: 'trained P-Net folder' },
    out: { type: 'string', value: 'FILE', help: 'output mask (.nii or .nii.gz), same grid and affine as IMAGE' },
    rnet: { type: 'string', value: 'DIR', help: 'trained R-Net folder (with --seeds)' },
    seeds: { type: 'string', value: 'FILE', help: 'JSON { "fg": [[i,j,k],…], "bg": [[i,j,k],…] } in IMAGE voxel indices (0-based)' },
    png: { type: 'string', value: 'DIR', help: 'also write PNG overlays of the slice with most foreground' },
    backend: { type: 'string', value: 'NAME', help: 'auto (default) | wasm | cpu' },
  },
  async run(flags, positionals) {
    const imagePath = positionals[0];
    if (!imagePath) throw new UsageError('segment: missing IMAGE argument (see deepigeos segment --help)');
    if (!existsSync(imagePath)) throw new UsageError(`segment: image ${imagePath} does not exist`);
    const out = flags.required('out');
    if (!/\.nii(\.gz)?$/.test(out)) throw new UsageError(`segment: --out must end in .nii or .nii.gz, got ${out}`);
    if (flags.has('seeds') !== flags.has('rnet')) throw new UsageError('segment: --rnet and --seeds go together (R-Net refines the result with the seeds)');
    const inputs = [{ flag: 'IMAGE', path: imagePath }, ...['pnet', 'rnet', 'seeds'].filter((f) => flags.has(f)).map((f) => ({ flag: `--${f}`, path: flags.required(f) }))];
    checkOutputs('segment', [{ flag: '--out', path: out, kind: 'file' }, ...(flags.has('png') ? [{ flag: '--png', path: flags.required('png'), kind: 'dir' as const }] : [])], inputs);
    removeFileTemps(out);
    cleanupOnSignal(() => removeFileTemps(out));
    const backend = flags.string('backend') ?? 'auto';
    await initBackend(backend === 'auto' ? undefined : backend);
    const pnet = await loadTrainedNet(flags.required('pnet'), '--pnet', TRAIN_PNET_SCHEMA);
    const rnet = flags.has('rnet') ? await loadTrainedNet(flags.required('rnet'), '--rnet', TRAIN_RNET_SCHEMA) : undefined;
    if (rnet) checkNetPair(pnet, rnet, flags.required('pnet'), flags.required('rnet'));
    const c = await loadCase(
      { id: stem(imagePath), kind: 'nifti', images: [imagePath], ...(pnet.config.data.channels ? { channelIndices: pnet.config.data.channels } : {}) },
      pnet.config.preprocess,
    );
    const expected = pnet.model.inputs[0]!.shape[pnet.model.inputs[0]!.shape.length - 1];
    if (expected !== c.image.channels) throw new UsageError(`segment: the P-Net expects ${expected} image channel(s), ${imagePath} has ${c.image.channels}`);
    const t0 = performance.now();
    const r = await pnetOnCase(pnet, c.image);
    let mask = threshold(r.crf ?? r.pnet);
    if (rnet) {
      const seedsFile = flags.required('seeds');
      const src = readSeeds(seedsFile, c.geometry.reference!.dims);
      mask = await refineWithSeeds(c, pnet, rnet, { fg: maskFromSource(src.fg, c.geometry), bg: maskFromSource(src.bg, c.geometry) }, mask);
    }
    await writeMaskNifti(out, mask, c.geometry);
    const seconds = ((performance.now() - t0) / 1000).toFixed(2);
    process.stdout.write(`wrote ${out} (${mask.reduce((a, b) => a + b, 0)} foreground voxels on the preprocessed grid, ${seconds} s)\n`);
    const png = flags.string('png');
    if (png) for (const f of writeOverlayPngs(png, stem(out), c.image, mask, [largestSlice(mask, c.image.shape)])) process.stdout.write(`wrote ${f}\n`);
  },
};
