// The PyTorch models and configs agree with the JavaScript side: every state-dict key and shape
// (export ↔ PyTorch, PyTorch ↔ import), the tfjs folder reader, and the config keys/defaults.
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TRAIN_PNET_SCHEMA, TRAIN_RNET_SCHEMA, validateConfig } from '@deepigeos/examples';
import { createPNet2D, createPNet3D, exportTorchStateDict, importTorchStateDict, initBackend, readSafetensors } from '@deepigeos/pnet';
import { createRNet2D, createRNet3D } from '@deepigeos/rnet';
import type * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { here, tensors, tool, workDir } from './harness.js';

const work = workDir('torch-layouts-');
afterAll(work.remove);
const WEIGHTS = join(here, '..', '..', 'deepigeos', 'weights');
const spec = (l: { dim: number; inputs: number; channels: number }) => `${l.dim}:${l.inputs}:${l.channels}`;

// As the CLI builds them (createPNet in train-pnet.ts, createRNet* in train-rnet.ts).
const layouts: { name: string; dim: number; inputs: number; channels: number; make: () => tfl.LayersModel }[] = [
  { name: 'P-Net 2D, 1 channel', dim: 2, inputs: 1, channels: 32, make: () => createPNet2D({ inputChannels: 1, numClasses: 2, channels: 32, dropout: 0.5 }) },
  { name: 'P-Net 2D, 4 channels', dim: 2, inputs: 4, channels: 8, make: () => createPNet2D({ inputChannels: 4, numClasses: 2, channels: 8, dropout: 0.5 }) },
  { name: 'R-Net 2D', dim: 2, inputs: 4, channels: 16, make: () => createRNet2D({ imageChannels: 1, channels: 16 }) },
  { name: 'P-Net 3D (P_RNet3D)', dim: 3, inputs: 1, channels: 16, make: () => createPNet3D({ inputChannels: 1, numClasses: 2 }) },
  { name: 'P-Net 3D, 4 channels', dim: 3, inputs: 4, channels: 16, make: () => createPNet3D({ inputChannels: 4, numClasses: 2 }) },
  { name: 'R-Net 3D', dim: 3, inputs: 5, channels: 8, make: () => createRNet3D({ imageChannels: 2, channels: 8 }) },
];

const keyShapes = (t: Map<string, { shape: number[] }>) => Object.fromEntries([...t].map(([k, v]) => [k, v.shape]).sort());

beforeAll(async () => {
  await initBackend('cpu');
  // One Python process for every file (starting Python with torch takes seconds).
  tool('state', work.dir, ...layouts.map(spec));
  tool('tfjs', work.dir, join(WEIGHTS, 'pnet2d'), join(WEIGHTS, 'rnet3d'));
});

describe('state-dict layouts: PyTorch models vs importTorchStateDict', () => {
  for (const l of layouts) {
    it(`${l.name}: same keys and shapes both ways; PyTorch weights import exactly`, () => {
      const file = join(work.dir, `${spec(l).replaceAll(':', '-')}.safetensors`);
      const torchSide = tensors(file);
      const model = l.make();
      const jsSide = readSafetensors(exportTorchStateDict(model)).tensors;
      expect(keyShapes(torchSide)).toEqual(keyShapes(jsSide));
      expect(torchSide.size).toBeGreaterThan(20);
      importTorchStateDict(model, new Uint8Array(readFileSync(file))); // strict: throws on any mismatch
      const back = readSafetensors(exportTorchStateDict(model)).tensors;
      for (const [k, t] of torchSide) expect(Buffer.from(back.get(k)!.data.buffer).equals(Buffer.from(t.data.buffer)), k).toBe(true);
      model.dispose();
    });
  }
});

describe('tfjs folders written by the CLI, read by the PyTorch trainer', () => {
  it('the bundled 2D P-Net and 3D R-Net read as the state dicts exportTorchStateDict gives', async () => {
    const { loadTrainedNet } = await import('@deepigeos/examples');
    for (const name of ['pnet2d', 'rnet3d']) {
      const dir = join(WEIGHTS, name);
      const out = join(work.dir, `${name}.safetensors`);
      const net = await loadTrainedNet(dir, '--pnet', name.startsWith('r') ? TRAIN_RNET_SCHEMA : TRAIN_PNET_SCHEMA);
      const expected = readSafetensors(exportTorchStateDict(net.model)).tensors;
      const got = tensors(out);
      expect(keyShapes(got)).toEqual(keyShapes(expected));
      for (const [k, t] of expected) expect(Buffer.from(got.get(k)!.data.buffer).equals(Buffer.from(t.data.buffer)), `${name} ${k}`).toBe(true);
    }
  });
});

describe('config keys', () => {
  it('the PyTorch trainer fills in exactly the CLI defaults for every key (train-pnet and train-rnet)', () => {
    const py = JSON.parse(tool('defaults')) as Record<string, unknown>;
    expect(py['pnet']).toEqual(validateConfig({}, TRAIN_PNET_SCHEMA));
    expect(py['rnet']).toEqual(validateConfig({}, TRAIN_RNET_SCHEMA));
    // …and accepts exactly the CLI's keys, nested ones included.
    const keys = py['keys'] as Record<string, Record<string, string[]>>;
    for (const [net, schema] of [['pnet', TRAIN_PNET_SCHEMA], ['rnet', TRAIN_RNET_SCHEMA]] as const) {
      expect([...keys[net]!['']!].sort(), net).toEqual(Object.keys(schema).sort());
      for (const nested of ['data', 'preprocess', 'augment']) {
        const spec = schema[nested]!;
        expect([...keys[net]![nested]!].sort(), `${net}.${nested}`).toEqual(Object.keys(spec.type === 'object' ? spec.fields : {}).sort());
      }
    }
  });
});

describe("R-Net's perturbed first rounds (perturbInput)", () => {
  it('warp: identity at sigma 0, constant maps constant, values in [0, 1], reproducible; half the samples also get an ellipse', () => {
    const r = JSON.parse(tool('perturb')) as { identity: number; constant3d: number; changed: number[]; painted: number; range: number[]; reproducible: boolean };
    expect(r.identity).toBe(0);
    expect(r.constant3d).toBeLessThan(1e-6);
    expect(r.range[0]).toBeGreaterThanOrEqual(0);
    expect(r.range[1]).toBeLessThanOrEqual(1);
    expect(r.reproducible).toBe(true);
    expect(r.changed.reduce((a, b) => a + b, 0) / r.changed.length).toBeGreaterThan(20);
    expect(r.painted).toBeGreaterThan(2);
    expect(r.painted).toBeLessThan(16);
  });
});

describe('dataset layouts and loading: the PyTorch trainer reads what the CLI reads', () => {
  it('BraTS (two modalities), MSD, globs, explicit lists and pairs lists: same cases, files, label values and preprocessed voxels', async () => {
    const { bratsCases, globCases, loadCase, msdCases, pairsListCases, writeBratsPhantoms } = await import('@deepigeos/examples');
    const root = join(work.dir, 'brats');
    await writeBratsPhantoms(root, { cases: 2, shape: [10, 20, 18] });
    // An MSD layout from the same files: imagesTr/<id>.nii.gz and labelsTr/<id>.nii.gz.
    const msd = join(work.dir, 'msd');
    for (const sub of ['imagesTr', 'labelsTr']) mkdirSync(join(msd, sub), { recursive: true });
    for (const id of ['Phantom_001', 'Phantom_002']) {
      copyFileSync(join(root, id, `${id}_t1.nii.gz`), join(msd, 'imagesTr', `${id}.nii.gz`));
      copyFileSync(join(root, id, `${id}_seg.nii.gz`), join(msd, 'labelsTr', `${id}.nii.gz`));
    }
    const configs = [
      { format: 'brats', root, modalities: ['flair', 't1'] },
      { format: 'msd', root: msd },
      { format: 'glob', images: join(root, '*', '*_t2.nii.gz'), labels: join(root, '*', '*_seg.nii.gz'), foreground: [1] },
      { format: 'glob', images: [1, 2].map((k) => join(root, `Phantom_00${k}`, `Phantom_00${k}_t1.nii.gz`)).join(','), labels: [1, 2].map((k) => join(root, `Phantom_00${k}`, `Phantom_00${k}_seg.nii.gz`)).join(',') },
      { format: 'pairs', pairs: join(work.dir, 'pairs.csv') },
    ];
    writeFileSync(join(work.dir, 'pairs.csv'), 'image,t2,label\n# two channels per case\nbrats/Phantom_002/Phantom_002_flair.nii.gz, brats/Phantom_002/Phantom_002_t2.nii.gz,brats/Phantom_002/Phantom_002_seg.nii.gz\n\nbrats/Phantom_001/Phantom_001_flair.nii.gz,brats/Phantom_001/Phantom_001_t2.nii.gz,brats/Phantom_001/Phantom_001_seg.nii.gz\n');
    tool('cases', work.dir, ...configs.map((c) => JSON.stringify(c)));
    const jsRefs = [
      bratsCases(root, ['flair', 't1']),
      msdCases(msd),
      globCases(configs[2]!.images!, configs[2]!.labels, [1]),
      globCases(configs[3]!.images!, configs[3]!.labels),
      pairsListCases(configs[4]!.pairs!),
    ];
    for (const [k, refs] of jsRefs.entries()) {
      const py = JSON.parse(readFileSync(join(work.dir, `cases${k}.json`), 'utf8')) as { id: string; images: string[]; label: string; foreground: number[] | null }[];
      expect(py.map((c) => [c.id, c.images, c.label, c.foreground ?? undefined])).toEqual(refs.map((c) => [c.id, c.images, c.label, c.foreground]));
      const prep = { canonical: true, spacing: null, crop: true, cropMargin: 2, zscore: true };
      const c = await loadCase(refs[0]!, prep);
      const t = tensors(join(work.dir, `case${k}.safetensors`));
      expect(t.get('image')!.shape).toEqual([...c.image.shape, c.image.channels]);
      let maxDiff = 0;
      t.get('image')!.data.forEach((v, i) => {
        maxDiff = Math.max(maxDiff, Math.abs(v - c.image.data[i]!));
      });
      expect(maxDiff).toBeLessThan(1e-5);
      expect(Array.from(t.get('label')!.data)).toEqual(Array.from(c.label!));
      expect(c.label!.some(Boolean)).toBe(true);
    }
  });
});
