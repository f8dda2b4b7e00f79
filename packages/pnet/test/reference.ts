// Independent float64 references used by the tests (no tfjs involved).

/** Deterministic pseudo-random numbers in [-1, 1) (mulberry32). */
export function randomArray(length: number, seed: number): Float32Array {
  let a = seed >>> 0;
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  }
  return out;
}

/**
 * Brute-force 'same' stride-1 cross-correlation in float64, channels-last.
 * x: [N, D, H, W, Cin], w: [kd, kh, kw, Cin, Cout]; pad before = floor(d·(k−1)/2).
 */
export function bruteConv3d(
  x: ArrayLike<number>,
  xShape: number[],
  w: ArrayLike<number>,
  wShape: number[],
  dil: number[],
): Float64Array {
  const [n, d, h, wd, cin] = xShape as [number, number, number, number, number];
  const [kd, kh, kw, , cout] = wShape as [number, number, number, number, number];
  const pd = Math.floor((dil[0]! * (kd - 1)) / 2);
  const ph = Math.floor((dil[1]! * (kh - 1)) / 2);
  const pw = Math.floor((dil[2]! * (kw - 1)) / 2);
  const y = new Float64Array(n * d * h * wd * cout);
  for (let b = 0; b < n; b++)
    for (let z = 0; z < d; z++)
      for (let r = 0; r < h; r++)
        for (let c = 0; c < wd; c++)
          for (let a = 0; a < kd; a++) {
            const zz = z + a * dil[0]! - pd;
            if (zz < 0 || zz >= d) continue;
            for (let i = 0; i < kh; i++) {
              const rr = r + i * dil[1]! - ph;
              if (rr < 0 || rr >= h) continue;
              for (let j = 0; j < kw; j++) {
                const cc = c + j * dil[2]! - pw;
                if (cc < 0 || cc >= wd) continue;
                const xBase = (((b * d + zz) * h + rr) * wd + cc) * cin;
                const wBase = ((a * kh + i) * kw + j) * cin * cout;
                const yBase = (((b * d + z) * h + r) * wd + c) * cout;
                for (let ci = 0; ci < cin; ci++) {
                  const xv = x[xBase + ci]!;
                  for (let co = 0; co < cout; co++) y[yBase + co]! += xv * w[wBase + ci * cout + co]!;
                }
              }
            }
          }
  return y;
}

/** Largest absolute difference between two arrays. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length mismatch ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

/** Largest absolute value of an array. */
export function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!));
  return m;
}
