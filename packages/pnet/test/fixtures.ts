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

/**
 * True where the prebuilt native addon must load and run: linux-x64 with AVX2 + FMA (read from
 * /proc/cpuinfo, independently of the addon's own detection). Elsewhere the package must fall back
 * to tfjs, which the tests then check instead.
 */
export function nativeExpected(): boolean {
  if (process.platform !== 'linux' || process.arch !== 'x64') return false;
  const flags = readFileSync('/proc/cpuinfo', 'utf8').match(/^flags\s*:(.*)$/m)?.[1]?.trim().split(/\s+/) ?? [];
  return flags.includes('avx2') && flags.includes('fma');
}
