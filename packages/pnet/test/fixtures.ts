import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { readSafetensors } from '../src/torch/safetensors.js';

export const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Bytes of a committed fixture file. */
export function fixtureBytes(name: string): Uint8Array {
  return new Uint8Array(readFileSync(join(packageDir, 'test', 'fixtures', name)));
}

/** A float tensor stored in a safetensors file. */
export function safetensorsTensor(bytes: Uint8Array, key: string): tf.Tensor {
  const t = readSafetensors(bytes).tensors.get(key);
  if (t === undefined) throw new Error(`fixture has no tensor '${key}'`);
  return tf.tensor(t.data, t.shape);
}

/** True when Debian's python3 with torch is available (for live PyTorch round trips). */
export function hasTorch(): boolean {
  try {
    execFileSync('/usr/bin/python3', ['-c', 'import torch'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
