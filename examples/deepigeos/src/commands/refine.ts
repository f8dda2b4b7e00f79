/**
 * `deepigeos refine`: refine a previous segmentation (a mask or probability map written by
 * `segment`, `refine` or any tool) with user seeds, R-Net (+ CRF-Net(fu)) only — no P-Net run —
 * inside a box around the seeds by default.
 * @module
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { initBackend } from '@deepigeos/pnet';
import type { Command, FlagSpec, Flags } from '../cli/command.js';
import { StageProgress } from '../cli/progress.js';
import { stem } from '../data/files.js';
import { loadCase, maskFromSource, probabilityFromSource } from '../data/load.js';
import { checkOutputs, cleanupOnSignal, removeFileTemps } from '../cli/outputs.js';
import { UsageError } from '../errors.js';
import { loadTrainedNet } from '../pipeline/networks.js';
import { largestSlice, writeMaskNifti, writeOverlayPngs, writeProbabilityNifti } from '../pipeline/output.js';
import { refineSegmentation } from '../pipeline/refine.js';
import { readInitialSegmentation, readSeeds, type SourceSeeds } from '../pipeline/user-files.js';
import { TRAIN_RNET_SCHEMA } from '../train/schema.js';
import { TTA_FLAGS, ttaFromFlags } from './tta-flag.js';
import { threshold } from '../train/tensors.js';

/** Default `--roi-margin` of `refine` and `segment --seeds` (voxels around the seeds' bounding box). */
export const DEFAULT_REFINE_MARGIN = 24;

/** Help of `--seeds`. */
export const SEEDS_HELP =
  'seeds: JSON { "fg": [[i,j,k],…], "bg": [[i,j,k],…] } in IMAGE voxel indices (0-based, as viewers show them), or a NIfTI map on the IMAGE grid (1 = fg, 2 = bg)';

/** `--roi-margin` and `--whole-volume` of the refining commands. */
export const ROI_FLAGS: Record<string, FlagSpec> = {
  'roi-margin': {
    type: 'string',
    value: 'M',
    help: `refine inside the seeds' bounding box grown by M voxels per side (default ${DEFAULT_REFINE_MARGIN}); the rest keeps the previous result`,
  },
  'whole-volume': { type: 'boolean', help: 'refine the whole image (2D nets on volumes: the whole seeded slices) instead of a box around the seeds' },
};

/** The ROI margin from `--roi-margin` / `--whole-volume` (undefined = whole volume). */
export function roiMarginFromFlags(flags: Flags, command: string): number | undefined {
  if (flags.bool('whole-volume')) {
    if (flags.has('roi-margin')) throw new UsageError(`${command}: --roi-margin and --whole-volume exclude each other`);
    return undefined;
  }
  return flags.number('roi-margin', { integer: true, min: 0, max: 10000 }) ?? DEFAULT_REFINE_MARGIN;
}

/** Throws when an output path names one of the inputs (it would be overwritten). */
export function checkOutputsApart(command: string, outputs: [string, string | undefined][], inputs: [string, string | undefined][]): void {
  const seen = new Map<string, string>();
  for (const [flag, file] of inputs) if (file !== undefined) seen.set(resolve(file), flag);
  for (const [flag, file] of outputs) {
    if (file === undefined) continue;
    const other = seen.get(resolve(file));
    if (other) throw new UsageError(`${command}: ${flag} ${file} is also ${other}; choose another output file`);
    seen.set(resolve(file), flag);
  }
}

/** The `refine` command. */
export const refineCommand: Command = {
  name: 'refine',
  summary: 'Refine a previous segmentation with seeds by R-Net (+ CRF-Net(fu)) only, no P-Net run, in a box around the seeds.',
  usage: '--image IMAGE.nii.gz --init PREVIOUS.nii.gz --seeds SEEDS.json --rnet DIR --out SEG.nii.gz [--prob PROB.nii.gz]',
  flags: {
    image: { type: 'string', value: 'FILE', help: 'the image (as given to segment)' },
    init: {
      type: 'string',
      value: 'FILE',
      help: 'previous result on the IMAGE grid: a probability map (segment/refine --prob) or a mask (any label > 0 = foreground)',
    },
    seeds: { type: 'string', value: 'FILE', help: `this round's ${SEEDS_HELP}` },
    'previous-seeds': {
      type: 'string',
      value: 'FILE',
      help: "seeds of earlier rounds (same formats): R-Net sees and honours them too, but they do not widen the box (default: none; or put every seed so far in --seeds)",
    },
    rnet: { type: 'string', value: 'DIR', help: 'trained R-Net folder (train-rnet --out, or the bundled weights/rnet3d)' },
    out: { type: 'string', value: 'FILE', help: 'refined mask (.nii or .nii.gz), same grid and affine as IMAGE' },
    prob: { type: 'string', value: 'FILE', help: 'also write the refined probability map (the next refine --init)' },
    ...ROI_FLAGS,
    encoding: { type: 'string', value: 'KIND', help: "seed encoding: geodesic (default: the R-Net's training λ) | euclidean (λ = 0)" },
    ...TTA_FLAGS,
    png: { type: 'string', value: 'DIR', help: 'also write a PNG overlay of the slice with most foreground' },
    backend: { type: 'string', value: 'NAME', help: 'auto (default) | wasm | cpu' },
  },
  details: () =>
    [
      'Each refine is one interaction round: R-Net sees the image, the previous result and the geodesic distance',
      'maps of the seeds. Chain rounds by passing the last --prob (or --out) as the next --init, with the new',
      "round's seeds in --seeds and the earlier ones in --previous-seeds (or all of them in --seeds: then the box",
      'spans all of them). Seeds are hard constraints: the output is foreground at every fg seed and background',
      "at every bg seed. Outside the box around --seeds the previous result is kept.",
    ].join('\n'),
  async run(flags) {
    const imagePath = flags.required('image');
    const initPath = flags.required('init');
    const seedsPath = flags.required('seeds');
    const rnetDir = flags.required('rnet');
    const out = flags.required('out');
    const prob = flags.string('prob');
    for (const [flag, f] of [['--out', out], ['--prob', prob]] as const) {
      if (f !== undefined && !/\.nii(\.gz)?$/.test(f)) throw new UsageError(`refine: ${flag} must end in .nii or .nii.gz, got ${f}`);
    }
    const previousPath = flags.string('previous-seeds');
    checkOutputsApart('refine', [['--out', out], ['--prob', prob]], [['--image', imagePath], ['--init', initPath], ['--seeds', seedsPath], ['--previous-seeds', previousPath]]);
    if (!existsSync(imagePath)) throw new UsageError(`refine: --image ${imagePath}: file does not exist`);
    const outputs = [{ flag: '--out', path: out, kind: 'file' as const }, ...(prob === undefined ? [] : [{ flag: '--prob', path: prob, kind: 'file' as const }])];
    const given: [string, string | undefined][] = [['--image', imagePath], ['--init', initPath], ['--seeds', seedsPath], ['--previous-seeds', previousPath], ['--rnet', rnetDir]];
    checkOutputs('refine', outputs, given.flatMap(([flag, path]) => (path === undefined ? [] : [{ flag, path }])));
    const removeTemps = () => {
      for (const o of outputs) removeFileTemps(o.path);
    };
    removeTemps();
    cleanupOnSignal(removeTemps);
    const roiMargin = roiMarginFromFlags(flags, 'refine');
    const tta = ttaFromFlags(flags, 'refine');
    const encoding = flags.string('encoding') ?? 'geodesic';
    if (encoding !== 'geodesic' && encoding !== 'euclidean') throw new UsageError(`refine: --encoding must be geodesic or euclidean, got ${JSON.stringify(encoding)}`);
    const backend = flags.string('backend') ?? 'auto';
    await initBackend(backend === 'auto' ? undefined : backend);
    const progress = new StageProgress('refine');
    const rnet = await loadTrainedNet(rnetDir, '--rnet', TRAIN_RNET_SCHEMA, tta);
    progress.start(`loading ${imagePath}`);
    const c = await loadCase(
      { id: stem(imagePath), kind: 'nifti', images: [imagePath], ...(rnet.config.data.channels ? { channelIndices: rnet.config.data.channels } : {}) },
      rnet.config.preprocess,
    );
    const inputs = rnet.model.inputs[0]!.shape.at(-1)!;
    if (inputs !== c.image.channels + 3) {
      throw new UsageError(`refine: the R-Net expects ${inputs - 3} image channel(s), ${imagePath} has ${c.image.channels}`);
    }
    const dims = c.geometry.reference!.dims;
    const seeds = await readSeeds(seedsPath, dims, imagePath);
    const previous = previousPath ? await readSeeds(previousPath, dims, imagePath) : undefined;
    const init = await readInitialSegmentation(initPath, dims, imagePath);
    const count = (m: Uint8Array) => m.reduce((a, b) => a + b, 0);
    const onGrid = (s: SourceSeeds, file: string) => {
      const mapped = { fg: maskFromSource(s.fg, c.geometry), bg: maskFromSource(s.bg, c.geometry) };
      const lost = count(s.fg) + count(s.bg) - count(mapped.fg) - count(mapped.bg);
      if (lost > 0) process.stderr.write(`refine: warning: ${lost} seed(s) of ${file} lie outside the image's non-zero region (cropped away) and are ignored\n`);
      return mapped;
    };
    const latest = onGrid(seeds, seedsPath);
    // Every seed so far; where an earlier seed and this round's disagree, this round's wins.
    const fg = latest.fg.slice();
    const bg = latest.bg.slice();
    if (previous && previousPath) {
      const earlier = onGrid(previous, previousPath);
      for (let i = 0; i < fg.length; i++) {
        if (fg[i] || bg[i]) continue;
        fg[i] = earlier.fg[i]!;
        bg[i] = earlier.bg[i]!;
      }
    }
    progress.start('R-Net refinement');
    const t0 = performance.now();
    const result = await refineSegmentation({
      image: c.image,
      init: probabilityFromSource(init.probability, c.geometry),
      fg,
      bg,
      boxSeeds: latest,
      rnet,
      ...(roiMargin === undefined ? {} : { roiMargin }),
      ...(encoding === 'euclidean' ? { lambda: 0 } : {}),
      onProgress: (_stage, d, t) => progress.update(d, t),
    });
    const refineSeconds = (performance.now() - t0) / 1000;
    const seconds = progress.done();
    const mask = threshold(result.probability);
    await writeMaskNifti(out, mask, c.geometry);
    if (prob) await writeProbabilityNifti(prob, result.probability, c.geometry);
    const t = result.timings;
    const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
    const box = result.rois.length === 1 ? `box ${result.rois[0]!.size.join('×')} at [${result.rois[0]!.start.join(', ')}]` : `${result.rois.length} slices`;
    process.stdout.write(
      `wrote ${out}${prob ? ` and ${prob}` : ''} (${mask.reduce((a, b) => a + b, 0)} foreground voxels on the preprocessed grid ${c.image.shape.join('×')}; ` +
        `refined ${box} from the previous ${init.kind}; ${refineSeconds.toFixed(1)} s: seed encoding ${s(t.encode)}, R-Net ${s(t.rnet)}, CRF-Net(fu) ${s(t.crfFU)}; total ${seconds.toFixed(1)} s)\n`,
    );
    const png = flags.string('png');
    if (png) for (const f of writeOverlayPngs(png, stem(out), c.image, mask, [largestSlice(mask, c.image.shape)])) process.stdout.write(`wrote ${f}\n`);
  },
};
