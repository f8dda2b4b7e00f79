// The volume of the browser threads test, built the same way in Chromium and in Node.
import type { Shape } from '../../src/types.js';

/** 16×256×256 = 2^20 voxels and 16 planes: the smallest volume split between two threads by default. */
export function threadsInput(): { image: Float32Array; seeds: Uint8Array; shape: Shape } {
  const shape: Shape = [16, 256, 256];
  const n = 16 * 256 * 256;
  const image = new Float32Array(n).map((_, i) => ((i * 7919) % 101) + 40 * Math.floor(i / 65536));
  const seeds = new Uint8Array(n);
  seeds[3 * 65536 + 100 * 256 + 50] = 1; // in the first slab: the second slab gets its distances across the split
  return { image, seeds, shape };
}

/** A 64-bit FNV-1a digest of a map's bits (hex), to compare maps across the page boundary. */
export function digest(map: Float32Array): string {
  const words = new Uint32Array(map.buffer, map.byteOffset, map.length);
  let h = 0xcbf29ce484222325n;
  for (const w of words) h = BigInt.asUintN(64, (h ^ BigInt(w)) * 0x100000001b3n);
  return h.toString(16);
}
