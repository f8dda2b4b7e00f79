/**
 * `deepigeos segment`: segment one image with P-Net (+ CRF-Net(f)), optionally refined with user
 * seeds by R-Net (+ CRF-Net(fu)) — P-Net runs once, R-Net refines its result; writes a mask
 * (and optionally the probability map) that overlays the input exactly.
 * @module
 */
import { existsSync } from 'node:fs';
import { initBackend } from '@deepigeos/pnet';
import type { Command } from '../cli/command.js';
import { StageProgress } from '../cli/progress.js';
import { stem } from '../data/files.js';
import { loadCase, maskFromSource } from '../data/load.js';
import { checkOutputs, cleanupOnSignal, removeFileTemps } from '../cli/outputs.js';
import { UsageError } from '../errors.js';
import { pnetOnCase } from '../pipeline/infer.js';
import { checkNetPair, loadTrainedNet, reportingProgress } from '../pipeline/networks.js';
import { largestSlice, writeMaskNifti, writeOverlayPngs, writeProbabilityNifti } from '../pipeline/output.js';
import { refineSegmentation } from '../pipeline/refine.js';
import { readSeeds } from '../pipeline/user-files.js';
import { TRAIN_PNET_SCHEMA, TRAIN_RNET_SCHEMA } from '../train/schema.js';
import { threshold } from '../train/tensors.js';
import { checkOutputsApart, ROI_FLAGS, roiMarginFromFlags, SEEDS_HELP } from './refine.js';
import { TTA_FLAGS, ttaFromFlags } from './tta-flag.js';

/** The `segment` command. */
export const segmentCommand: Command = {
  name: 'segment',
  summary: 'Segment IMAGE.nii.gz with P-Net (+ CRF-Net(f)), optionally refined once by R-Net (+ CRF-Net(fu)) with seeds; the mask overlays the input exactly.',
  usage: 'IMAGE.nii.gz --pnet DIR --out SEG.nii.gz [--prob PROB.nii.gz] [--rnet DIR --seeds SEEDS.json] [--png DIR]',
  flags: {
    pnet: { type: 'string', value: 'DIR', help: 'trained P-Net folder' },
    out: { type: 'string', value: 'FILE', help: 'output mask (.nii or .nii.gz), same grid and affine as IMAGE' },
    prob: { type: 'string', value: 'FILE', help: 'also write the foreground probability map (float32 NIfTI, same grid); `deepigeos refine --init` takes it' },
    rnet: { type: 'string', value: 'DIR', help: 'trained R-Net folder (with --seeds)' },
    seeds: { type: 'string', value: 'FILE', help: SEEDS_HELP },
    ...ROI_FLAGS,
    ...TTA_FLAGS,
    png: { type: 'string', value: 'DIR', help: 'also write PNG overlays of the slice with most foreground' },
    backend: { type: 'string', value: 'NAME', help: 'auto (default) | wasm | cpu' },
  },
  details: () =>
    [
      'P-Net runs once. To refine the result again with more seeds, do not re-run segment: run',
      '  deepigeos refine --image IMAGE --init PROB.nii.gz (or SEG.nii.gz) --seeds MORE.json --rnet DIR --out SEG2.nii.gz',
      'which refines the previous result with R-Net only.',
    ].join('\n'),
  async run(flags, positionals) {
    const imagePath = positionals[0];
    if (!imagePath) throw new UsageError('segment: missing IMAGE argument (see deepigeos segment --help)');
    if (!existsSync(imagePath)) throw new UsageError(`segment: image ${imagePath} does not exist`);
    const out = flags.required('out');
    const prob = flags.string('prob');
    for (const [flag, f] of [['--out', out], ['--prob', prob]] as const) {
      if (f !== undefined && !/\.nii(\.gz)?$/.test(f)) throw new UsageError(`segment: ${flag} must end in .nii or .nii.gz, got ${f}`);
    }
    checkOutputsApart('segment', [['--out', out], ['--prob', prob]], [['IMAGE', imagePath], ['--seeds', flags.string('seeds')]]);
    if (flags.has('seeds') !== flags.has('rnet')) throw new UsageError('segment: --rnet and --seeds go together (R-Net refines the result with the seeds)');
    const inputs = [{ flag: 'IMAGE', path: imagePath }, ...['pnet', 'rnet', 'seeds'].filter((f) => flags.has(f)).map((f) => ({ flag: `--${f}`, path: flags.required(f) }))];
    checkOutputs('segment', [{ flag: '--out', path: out, kind: 'file' }, ...(prob === undefined ? [] : [{ flag: '--prob', path: prob, kind: 'file' as const }]), ...(flags.has('png') ? [{ flag: '--png', path: flags.required('png'), kind: 'dir' as const }] : [])], inputs);
    for (const f of [out, prob]) if (f !== undefined) removeFileTemps(f);
    cleanupOnSignal(() => {
      for (const f of [out, prob]) if (f !== undefined) removeFileTemps(f);
    });
    const roiMargin = roiMarginFromFlags(flags, 'segment');
    const tta = ttaFromFlags(flags, 'segment');
    const backend = flags.string('backend') ?? 'auto';
    await initBackend(backend === 'auto' ? undefined : backend);
    const progress = new StageProgress('segment');
    const pnet = await loadTrainedNet(flags.required('pnet'), '--pnet', TRAIN_PNET_SCHEMA, tta);
    const rnet = flags.has('rnet') ? await loadTrainedNet(flags.required('rnet'), '--rnet', TRAIN_RNET_SCHEMA, tta) : undefined;
    if (rnet) checkNetPair(pnet, rnet, flags.required('pnet'), flags.required('rnet'));
    progress.start(`loading ${imagePath}`);
    const c = await loadCase(
      { id: stem(imagePath), kind: 'nifti', images: [imagePath], ...(pnet.config.data.channels ? { channelIndices: pnet.config.data.channels } : {}) },
      pnet.config.preprocess,
    );
    const expected = pnet.model.inputs[0]!.shape[pnet.model.inputs[0]!.shape.length - 1];
    if (expected !== c.image.channels) throw new UsageError(`segment: the P-Net expects ${expected} image channel(s), ${imagePath} has ${c.image.channels}`);
    // Seeds are checked before the long P-Net run.
    const seeds = rnet ? await readSeeds(flags.required('seeds'), c.geometry.reference!.dims, imagePath) : undefined;
    const t0 = performance.now();
    progress.start(`P-Net on ${c.image.shape.join('×')}`);
    const net = reportingProgress(pnet, (d, t) => progress.update(d, t));
    const r = await pnetOnCase(net, c.image, (d, t) => progress.update(d, t));
    let probability = r.crf ?? r.pnet;
    if (rnet && seeds) {
      progress.start('R-Net refinement');
      const refined = await refineSegmentation({
        image: c.image,
        init: probability,
        fg: maskFromSource(seeds.fg, c.geometry),
        bg: maskFromSource(seeds.bg, c.geometry),
        rnet,
        ...(roiMargin === undefined ? {} : { roiMargin }),
        onProgress: (_stage, d, t) => progress.update(d, t),
      });
      probability = refined.probability;
    }
    const work = (performance.now() - t0) / 1000;
    const seconds = progress.done();
    const mask = threshold(probability);
    await writeMaskNifti(out, mask, c.geometry);
    if (prob) await writeProbabilityNifti(prob, probability, c.geometry);
    process.stdout.write(
      `wrote ${out}${prob ? ` and ${prob}` : ''} (${mask.reduce((a, b) => a + b, 0)} foreground voxels on the preprocessed grid; networks ${work.toFixed(1)} s, total ${seconds.toFixed(1)} s)\n`,
    );
    const png = flags.string('png');
    if (png) for (const f of writeOverlayPngs(png, stem(out), c.image, mask, [largestSlice(mask, c.image.shape)])) process.stdout.write(`wrote ${f}\n`);
  },
};
