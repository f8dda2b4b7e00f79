/**
 * `deepigeos demo`: the whole DeepIGeoS pipeline on the bundled sample with the bundled weights —
 * P-Net → CRF-Net(f) → simulated clicks → R-Net → CRF-Net(fu), Dice and timings at each stage,
 * NIfTI masks aligned with the input and PNG overlays.
 * @module
 */
import { backendLabel } from '../cli/backend-label.js';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { initBackend } from '@deepigeos/pnet';
import { dice } from '@deepigeos/rnet';
import type { Command } from '../cli/command.js';
import { checkOutputs } from '../cli/outputs.js';
import { loadCase } from '../data/load.js';
import { UsageError } from '../errors.js';
import { createSession, foregroundBox } from '../pipeline/infer.js';
import { DEFAULT_MIN_CLICKS, evaluationRegion } from '../pipeline/evaluate.js';
import { loadTrainedNet } from '../pipeline/networks.js';
import { largestSlice, writeMaskNifti, writeOverlayPngs } from '../pipeline/output.js';
import { runRounds } from '../pipeline/rounds.js';
import { TRAIN_PNET_SCHEMA, TRAIN_RNET_SCHEMA } from '../train/schema.js';

/** The package folder (bundled `weights/` and `sample/` live there). */
export const PACKAGE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

const ms = (t: number | undefined) => (t === undefined ? '–' : `${t.toFixed(0)} ms`);

/** The `demo` command. */
export const demoCommand: Command = {
  name: 'demo',
  summary:
    'Run P-Net → CRF-Net(f) → simulated clicks → R-Net → CRF-Net(fu) on the bundled sample with the bundled weights (CRF stages where the weights have them: all bundled ones); prints Dice and timings, writes NIfTI masks, the clicks and PNG overlays.',
  usage: '[--out DIR] [--rounds R] [--dim 2|3] [--roi-margin M | --whole-volume] [--min-clicks N] [--image FILE --label FILE] [--weights DIR] [--seed S]',
  details: () =>
    [
      "Each round the simulated user clicks on the current errors by the paper's rule (one click per started 100 voxels of every",
      'connected error region of ≥ 30 voxels) and, while fewer than --min-clicks clicks are placed, at the interior-most voxel of',
      'the largest remaining error region; R-Net then refines the latest result with all clicks so far. The demo stops when the',
      'user has nothing to click (R-Net without new clicks is not an interaction and can make the result worse).',
    ].join('\n'),
  flags: {
    out: { type: 'string', value: 'DIR', help: 'output folder (default demo-output)' },
    rounds: { type: 'string', value: 'R', help: 'simulated refinement rounds (default 3)' },
    dim: { type: 'string', value: '2|3', help: 'pipeline: 3 = 3D nets on the volume (default), 2 = 2D nets on the key axial slice' },
    'roi-margin': {
      type: 'string',
      value: 'M',
      help: "3D: segment inside the reference's bounding box grown by M voxels, as a user-drawn box (default 8)",
    },
    'whole-volume': { type: 'boolean', help: '3D: segment the whole volume instead (slower; look-alike lesions outside the box count)' },
    image: { type: 'string', value: 'FILE', help: 'image to use instead of the bundled sample (needs --label)' },
    label: { type: 'string', value: 'FILE', help: 'its reference segmentation (for Dice and the simulated user)' },
    weights: { type: 'string', value: 'DIR', help: 'folder with pnet<dim>d/ and rnet<dim>d/ (default: the bundled weights)' },
    seed: { type: 'string', value: 'S', help: 'seed of the simulated user (default 0)' },
    'min-clicks': {
      type: 'string',
      value: 'N',
      help: "fewest clicks per round while errors remain (default 1; 0 = the paper's rule alone, which rarely clicks small errors)",
    },
    backend: { type: 'string', value: 'NAME', help: 'auto (default) | wasm | cpu' },
  },
  async run(flags) {
    const started = performance.now();
    const dim = (flags.number('dim', { choices: [2, 3] }) ?? 3) as 2 | 3;
    const rounds = flags.number('rounds', { integer: true, min: 0, max: 20 }) ?? 3;
    const out = flags.string('out') ?? 'demo-output';
    const weights = flags.string('weights') ?? join(PACKAGE_DIR, 'weights');
    const image = flags.string('image') ?? join(PACKAGE_DIR, 'sample', 'Phantom_demo', 'Phantom_demo_flair.nii.gz');
    const label = flags.string('label') ?? (flags.has('image') ? undefined : join(PACKAGE_DIR, 'sample', 'Phantom_demo', 'Phantom_demo_seg.nii.gz'));
    if (!label) throw new UsageError('demo: --image needs --label (the reference drives the simulated user and the Dice scores)');
    for (const f of [image, label]) if (!existsSync(f)) throw new UsageError(`demo: ${f} does not exist`);
    checkOutputs('demo', [{ flag: '--out', path: out, kind: 'dir' }], [
      { flag: '--image', path: image },
      { flag: '--label', path: label },
      { flag: '--weights', path: weights },
    ]);
    const requested = flags.string('backend') ?? 'auto';
    const backend = await initBackend(requested === 'auto' ? undefined : requested);
    if (!existsSync(join(weights, `rnet${dim}d`))) {
      throw new UsageError(`demo --dim ${dim}: ${join(weights, `rnet${dim}d`)} does not exist (--weights needs pnet${dim}d/ and rnet${dim}d/, as train-pnet/train-rnet write them)`);
    }
    const pnet = await loadTrainedNet(join(weights, `pnet${dim}d`), '--weights', TRAIN_PNET_SCHEMA);
    const rnet = await loadTrainedNet(join(weights, `rnet${dim}d`), '--weights', TRAIN_RNET_SCHEMA);
    const c = await loadCase({ id: 'demo', kind: 'nifti', images: [image], label, ...(pnet.config.data.foreground ? { foreground: pnet.config.data.foreground } : {}) }, pnet.config.preprocess);
    const { sample, region } = evaluationRegion(c, dim, pnet.config.sliceAxis);
    const say = (s: string) => process.stdout.write(`${s}\n`);
    say(`DeepIGeoS demo — ${dim}D pipeline on ${region} of ${image} (${sample.image.shape.join('×')}), backend ${backendLabel(backend)}`);
    say(`weights: ${pnet.modelDir} (${pnet.model.countParams()} params${pnet.crf ? ', + CRF-Net(f)' : ''}), ${rnet.modelDir} (${rnet.model.countParams()} params${rnet.crf ? ', + CRF-Net(fu)' : ''})`);

    const margin = flags.number('roi-margin', { integer: true, min: 0, max: 1000 }) ?? 8;
    // A user-drawn box around the object; it also keeps 3D inference fast.
    const roi = dim === 3 && !flags.bool('whole-volume') ? foregroundBox(sample.label, sample.image.shape, margin) : undefined;
    if (roi) say(`region of interest: the reference's bounding box + ${margin} voxels, ${roi.size.join('×')} from [${roi.start.join(', ')}]`);
    const session = createSession(pnet, rnet, roi ? { roi } : {});
    const volume = { data: sample.image.data, shape: sample.image.shape as [number, number], spacing: sample.image.spacing, channels: sample.image.channels };
    const truth = sample.label;
    const score = (p: ArrayLike<number>) => dice(p, truth, volume.shape);
    const stages: { name: string; mask: Uint8Array }[] = [];
    const threshold = (p: Float32Array) => Uint8Array.from(p, (v) => (v > 0.5 ? 1 : 0));

    const result = await session.segment(volume);
    say(`P-Net           Dice ${score(result.networkProbability).toFixed(4)}   ${ms(result.timings.pnet)}`);
    stages.push({ name: 'pnet', mask: threshold(result.networkProbability) });
    if (result.crfProbability) {
      say(`+ CRF-Net(f)    Dice ${score(result.crfProbability).toFixed(4)}   ${ms(result.timings.crfF)}`);
      stages.push({ name: 'pnet_crf', mask: result.mask });
    }
    const seed = flags.number('seed', { integer: true }) ?? 0;
    const minClicks = flags.number('min-clicks', { integer: true, min: 0, max: 1000 }) ?? DEFAULT_MIN_CLICKS;
    // Every click of every round: 1 = foreground, 2 = background (written as clicks.nii.gz).
    const clicks = new Uint8Array(truth.length);
    const done = await runRounds({
      session,
      volume,
      groundTruth: truth,
      rounds,
      seed,
      minClicks,
      // Nothing left to click (no error, or none the paper's rule clicks with --min-clicks 0): the user is done.
      stopWhenNoClicks: true,
      onRound: ({ round, fgClicks, bgClicks, fallbackClicks, fgSeeds, bgSeeds, result: r }) => {
        const paperRule = fgClicks + bgClicks - fallbackClicks ? '' : "; no region reaches the paper's 30 voxels";
        const why = fallbackClicks ? ` (${fallbackClicks} by the fallback: interior-most voxel of the largest error region${paperRule})` : '';
        say(`round ${round}: ${fgClicks} foreground + ${bgClicks} background clicks${why}`);
        say(`  R-Net         Dice ${score(r.networkProbability).toFixed(4)}   encode ${ms(r.timings.encode)}, R-Net ${ms(r.timings.rnet)}`);
        if (r.crfProbability) say(`  + CRF-Net(fu) Dice ${score(r.probability).toFixed(4)}   ${ms(r.timings.crfFU)}`);
        stages.push({ name: `round${round}`, mask: r.mask });
        for (let i = 0; i < clicks.length; i++) if (fgSeeds[i] || bgSeeds[i]) clicks[i] = fgSeeds[i] ? 1 : 2;
      },
    });
    if (done.length < rounds) say(`round ${done.length + 1}: the simulated user has nothing to click (${minClicks ? 'the result matches the reference' : 'no error region of ≥ 30 voxels'}); stopping`);

    // Masks on the loaded grid: a 2D result fills its slice of an otherwise empty volume mask.
    const axis = pnet.config.sliceAxis;
    const sliceIndex = region.startsWith('slice') ? Number(region.split(':')[1]) : -1;
    const onLoadedGrid = (mask: Uint8Array): Uint8Array => {
      if (sliceIndex < 0) return mask;
      const full = new Uint8Array(c.label!.length);
      const [D, H, W] = c.image.shape as [number, number, number];
      const strides = [H * W, W, 1];
      const keep = [0, 1, 2].filter((a) => a !== axis) as [number, number];
      let k = 0;
      for (let u = 0; u < [D, H, W][keep[0]]!; u++) for (let v = 0; v < [D, H, W][keep[1]]!; v++, k++) full[sliceIndex * strides[axis]! + u * strides[keep[0]]! + v * strides[keep[1]]!] = mask[k]!;
      return full;
    };
    for (const s of stages) {
      await writeMaskNifti(join(out, `${s.name}_seg.nii.gz`), onLoadedGrid(s.mask), c.geometry);
      const slices = sample.image.shape.length === 2 ? [0] : [largestSlice(truth, sample.image.shape)];
      writeOverlayPngs(join(out, 'png'), s.name, sample.image, s.mask, slices, truth);
    }
    if (done.length) await writeMaskNifti(join(out, 'clicks.nii.gz'), onLoadedGrid(clicks), c.geometry);
    say(`wrote ${stages.length} masks (*_seg.nii.gz, aligned with ${image})${done.length ? ', the clicks (clicks.nii.gz: 1 = foreground, 2 = background)' : ''} and PNG overlays to ${out}`);
    say(`total ${((performance.now() - started) / 1000).toFixed(1)} s`);
  },
};
