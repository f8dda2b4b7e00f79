// Display window of a volume: robust percentiles so one hot voxel does not darken every slice.

/** Volumes with more candidate voxels than this are subsampled (every k-th voxel) for speed. */
const MAX_SAMPLES = 1 << 20;

/**
 * The `[low, high]` intensity window: nearest-rank `lowPercentile` and `highPercentile` of the
 * non-zero finite voxels (all finite voxels if none is non-zero; every k-th one above 2^20).
 * Constant data gives `[v, v + 1]`, empty data `[0, 1]`.
 */
export function intensityWindow(data: ArrayLike<number>, lowPercentile = 0.5, highPercentile = 99.5): [number, number] {
  let anyNonZero = false;
  for (let i = 0; i < data.length && !anyNonZero; i++) anyNonZero = data[i] !== 0 && Number.isFinite(data[i]!);
  const stride = Math.max(1, Math.ceil(data.length / MAX_SAMPLES));
  const samples: number[] = [];
  for (let i = 0; i < data.length; i += stride) {
    const v = data[i]!;
    if (Number.isFinite(v) && (!anyNonZero || v !== 0)) samples.push(v);
  }
  if (samples.length === 0) return [0, 1];
  const sorted = Float64Array.from(samples).sort();
  const rank = (p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
  const low = rank(lowPercentile);
  const high = rank(highPercentile);
  if (high > low) return [low, high];
  const min = sorted[0]!;
  const max = sorted[sorted.length - 1]!;
  return max > min ? [min, max] : [min, min + 1];
}
