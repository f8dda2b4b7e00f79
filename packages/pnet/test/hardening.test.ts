// Untrusted model files (safetensors state dicts, tfjs model.json + weights.bin) fail with typed
// errors naming the problem; never a plain TypeError, a read before the data, or a hang.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src/backend.js';
import { CheckpointError, StateDictError } from '../src/errors.js';
import '../src/node-platform.js';
import { createPNet2D } from '../src/models/pnet.js';
import { loadCheckpoint, loadTrainingCheckpoint, saveCheckpoint } from '../src/training/checkpoint.js';
import { readSafetensors, writeSafetensors } from '../src/torch/safetensors.js';
import { fixtureBytes } from './fixtures.js';
import { fuzzRounds, fuzzSeed, fuzzTimeout, fuzzRandom, mutateBytes } from './fuzz.js';

const work = mkdtempSync(join(tmpdir(), 'pnet-hardening-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
beforeAll(async () => {
  await initBackend('cpu');
});

/** A safetensors buffer with the given header (data: 16 zero bytes). */
function withHeader(header: unknown): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + 16);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  return out;
}

describe('safetensors header entries are checked', () => {
  it('a negative begin is refused (subarray would count it from the end)', () => {
    expect(() => readSafetensors(withHeader({ w: { dtype: 'F32', shape: [2], data_offsets: [-8, 0] } }))).toThrowError(StateDictError);
    expect(() => readSafetensors(withHeader({ w: { dtype: 'F32', shape: [2], data_offsets: [-8, 0] } }))).toThrowError(/data_offsets must be \[begin, end\] with 0 ≤ begin ≤ end, got \[-8,0\]/);
  });

  it('out-of-range, fractional and reversed offsets are refused', () => {
    for (const offsets of [[0, 1e20], [0.5, 4.5], [8, 0], [0], 'x']) {
      expect(() => readSafetensors(withHeader({ w: { dtype: 'F32', shape: [1], data_offsets: offsets } }))).toThrowError(StateDictError);
    }
    expect(() => readSafetensors(withHeader({ w: { dtype: 'F32', shape: [8], data_offsets: [0, 32] } }))).toThrowError(/do not match shape/);
  });

  it('a non-array shape or a non-object entry is a StateDictError, not a TypeError', () => {
    for (const shape of [7, null, 'abc', [2, -1], [1.5], [{}]]) {
      expect(() => readSafetensors(withHeader({ w: { dtype: 'F32', shape, data_offsets: [0, 8] } }))).toThrowError(/shape must be an array of non-negative integers/);
    }
    expect(() => readSafetensors(withHeader({ w: 3 }))).toThrowError(/tensor 'w' must be a JSON object/);
    expect(() => readSafetensors(withHeader([1, 2]))).toThrowError(/header must be a JSON object/);
    expect(() => readSafetensors(withHeader(null))).toThrowError(StateDictError);
  });

  it('fuzz: mutated state dicts give StateDictError or tensors within the buffer', () => {
    const seeds = [fixtureBytes('pnet3d_c1.weights.safetensors').subarray(0, 40_000), writeSafetensors(new Map([['a', { shape: [2, 3], data: new Float32Array(6).fill(1.5) }]]))];
    const rand = fuzzRandom(fuzzSeed(2024));
    let typed = 0;
    for (let round = 0; round < fuzzRounds(600); round++) {
      const bytes = mutateBytes(seeds[round % seeds.length]!, rand, 400);
      try {
        const { tensors } = readSafetensors(bytes);
        for (const t of tensors.values()) expect(t.data.length * 2).toBeLessThanOrEqual(bytes.length * 4);
      } catch (e) {
        if (!(e instanceof StateDictError)) throw new Error(`round ${round}: ${String(e)} is not a StateDictError`);
        typed++;
      }
    }
    expect(typed).toBeGreaterThan(50);
  }, fuzzTimeout());
});

describe('tfjs checkpoints (model.json + weights.bin) are checked', () => {
  let dir = '';
  beforeAll(async () => {
    dir = join(work, 'model');
    await saveCheckpoint(createPNet2D({ inputChannels: 1, numClasses: 2, channels: 4, classifierChannels: 4 }), dir);
  });

  const copyWith = (name: string, edit: (files: { json: string; bin: Uint8Array }) => void): string => {
    const files = { json: readFileSync(join(dir, 'model.json'), 'utf8'), bin: new Uint8Array(readFileSync(join(dir, 'weights.bin'))) };
    edit(files);
    const out = join(work, name);
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, 'model.json'), files.json);
    writeFileSync(join(out, 'weights.bin'), files.bin);
    return out;
  };

  it('a truncated weights.bin is a CheckpointError naming the sizes (was a tfjs shape error)', async () => {
    const truncated = copyWith('truncated', (f) => {
      f.bin = f.bin.subarray(0, f.bin.length - 100);
    });
    const error = await loadCheckpoint(truncated).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(CheckpointError);
    expect((error as Error).message).toMatch(/truncated: the weight data has \d+ bytes, but the manifest's \d+ weights need \d+/);
  });

  it('truncated or malformed model.json and missing files are CheckpointErrors', async () => {
    await expect(loadCheckpoint(copyWith('half-json', (f) => (f.json = f.json.slice(0, 50))))).rejects.toThrowError(/model\.json: not valid JSON/);
    await expect(loadCheckpoint(copyWith('no-manifest', (f) => (f.json = JSON.stringify({ modelTopology: {} }))))).rejects.toThrowError(CheckpointError);
    await expect(loadCheckpoint(copyWith('bad-topology', (f) => (f.json = f.json.replace('"class_name":"Model"', '"class_name":"Nope"'))))).rejects.toThrowError(CheckpointError);
    // tfjs-layers loops forever on a dangling or cyclic inbound reference: refused before it builds.
    await expect(loadCheckpoint(copyWith('dangling', (f) => (f.json = f.json.replace('[["image",0,0,{}]]', '[["imag)",0,0,{}]]'))))).rejects.toThrowError(/refers to a layer 'imag\)' that does not exist/);
    await expect(loadCheckpoint(copyWith('cycle', (f) => (f.json = f.json.replace('[["image",0,0,{}]]', '[["block2",0,0,{}]]'))))).rejects.toThrowError(/the layer graph has a cycle/);
    await expect(loadCheckpoint(join(work, 'absent'))).rejects.toThrowError(/absent\/model\.json: cannot read/);
  });

  it('fuzz: mutated model.json and weights.bin load or fail with CheckpointError', async () => {
    const json = new TextEncoder().encode(readFileSync(join(dir, 'model.json'), 'utf8'));
    const bin = new Uint8Array(readFileSync(join(dir, 'weights.bin')));
    const rand = fuzzRandom(fuzzSeed(77));
    const target = join(work, 'fuzz');
    mkdirSync(target, { recursive: true });
    let typed = 0;
    for (let round = 0; round < fuzzRounds(60); round++) {
      const mutateJson = round % 3 !== 2;
      writeFileSync(join(target, 'model.json'), mutateJson ? mutateBytes(json, rand) : json);
      writeFileSync(join(target, 'weights.bin'), mutateJson ? bin : mutateBytes(bin, rand));
      try {
        (await loadTrainingCheckpoint(target)).model.dispose();
      } catch (e) {
        if (!(e instanceof CheckpointError)) throw new Error(`round ${round}: ${String(e)} is not a CheckpointError`);
        typed++;
      }
    }
    expect(typed).toBeGreaterThan(10);
  }, fuzzTimeout());
});
