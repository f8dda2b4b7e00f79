// Shared by the tests: fixture paths, nibabel's golden numbers, and the checksums that the
// fixture generator (scripts/nibabel_summary.py) computes on nibabel's side.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import type { NiftiData } from '../src/index.js';

export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');

/** What nibabel read from one fixture (see scripts/nibabel_summary.py). */
export interface Golden {
  version: 1 | 2;
  dims: number[];
  datatype: number;
  affine: number[][];
  qform?: number[][];
  sform: number[][];
  qformCode: number;
  sformCode: number;
  sum: number | string;
  weightedSum: number | string;
  scaledSum?: number;
  slope?: number | null;
  inter?: number | null;
  extensions: [number, number][];
  canonical: { dims: number[]; affine: number[][]; orientation: number[][]; weightedSum: number | string };
}

export const golden: Record<string, Golden> = JSON.parse(readFileSync(join(FIXTURES, 'golden.json'), 'utf8'));

/** Sum and weighted sum (weights 1..7 repeating over the flat component index; NaN as 0), exact for integers. */
export function checksums(data: NiftiData): { sum: number | string; weightedSum: number | string } {
  if (data instanceof BigInt64Array || data instanceof BigUint64Array) {
    let sum = 0n;
    let weighted = 0n;
    data.forEach((v, i) => {
      sum += v;
      weighted += v * BigInt((i % 7) + 1);
    });
    const norm = (x: bigint) => (x < 2n ** 53n && x > -(2n ** 53n) ? Number(x) : x.toString());
    return { sum: norm(sum), weightedSum: norm(weighted) };
  }
  let sum = 0;
  let weighted = 0;
  for (let i = 0; i < data.length; i++) {
    // NaN counts as 0, as in scripts/nibabel_summary.py.
    const v = Number.isNaN(data[i]) ? 0 : data[i]!;
    sum += v;
    weighted += v * ((i % 7) + 1);
  }
  return { sum, weightedSum: weighted };
}

/** Exact for integer checksums (numbers or decimal strings), relative 1e-9 for float sums. */
export function expectSameSum(actual: number | string, expected: number | string, what: string): void {
  if (typeof expected === 'string' || typeof actual === 'string' || Number.isInteger(expected)) {
    expect(String(actual), what).toBe(String(expected));
  } else {
    expect(Math.abs(actual - expected), what).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(expected)));
  }
}

/** Every entry of two 4×4 matrices within `tol` (absolute). */
export function expectMatrixClose(actual: number[][], expected: number[][], tol: number, what: string): void {
  const diff = Math.max(...actual.flatMap((row, r) => row.map((v, c) => Math.abs(v - expected[r]![c]!))));
  expect(diff, `${what}: max |difference| (actual ${JSON.stringify(actual)})`).toBeLessThanOrEqual(tol);
}
