// Row segments of voxels whose window neighbour lies inside the volume, precomputed once so the
// pair-feature loops run over flat typed arrays without bounds checks.
import type { WindowOffsets } from './window.js';

/** Valid row segments for every window offset of a `[D, H, W]` volume (D = 1 in 2D). */
export interface NeighbourRuns {
  /** Voxels per image. */
  voxels: number;
  /** Flat index step to the neighbour, per offset. */
  delta: Int32Array;
  /** Runs of offset k are `firstRun[k] .. firstRun[k + 1] − 1` (grouped by offset, then row). */
  firstRun: Int32Array;
  /** First voxel of each run. */
  start: Int32Array;
  /** One past the last voxel of each run. */
  end: Int32Array;
}

/** Spatial shape `[...spatial]` (2D or 3D) as `[D, H, W]`. */
export function asDhw(spatial: readonly number[]): [number, number, number] {
  return spatial.length === 3 ? [spatial[0]!, spatial[1]!, spatial[2]!] : [1, spatial[0]!, spatial[1]!];
}

// The last few geometries per window: repeated calls on same-sized inputs reuse their runs.
const recent = new WeakMap<WindowOffsets, Map<string, NeighbourRuns>>();

/** Valid row segments of `window` over a volume of spatial shape `spatial` (memoised per window). */
export function neighbourRuns(spatial: readonly number[], window: WindowOffsets): NeighbourRuns {
  const key = spatial.join('x');
  let byShape = recent.get(window);
  if (byShape === undefined) recent.set(window, (byShape = new Map()));
  let runs = byShape.get(key);
  if (runs === undefined) {
    if (byShape.size >= 4) byShape.clear();
    runs = buildRuns(spatial, window);
    byShape.set(key, runs);
  }
  return runs;
}

function buildRuns(spatial: readonly number[], window: WindowOffsets): NeighbourRuns {
  const [depth, height, width] = asDhw(spatial);
  const { rank, count, offsets } = window;
  const delta = new Int32Array(count);
  const firstRun = new Int32Array(count + 1);
  const start: number[] = [];
  const end: number[] = [];
  for (let k = 0; k < count; k++) {
    const dz = rank === 3 ? offsets[k * rank]! : 0;
    const dy = offsets[k * rank + rank - 2]!;
    const dx = offsets[k * rank + rank - 1]!;
    delta[k] = (dz * height + dy) * width + dx;
    firstRun[k] = start.length;
    const x0 = Math.max(0, -dx);
    const x1 = Math.min(width, width - dx);
    if (x1 <= x0) continue;
    for (let z = Math.max(0, -dz); z < Math.min(depth, depth - dz); z++) {
      for (let y = Math.max(0, -dy); y < Math.min(height, height - dy); y++) {
        const row = (z * height + y) * width;
        start.push(row + x0);
        end.push(row + x1);
      }
    }
  }
  firstRun[count] = start.length;
  return { voxels: depth * height * width, delta, firstRun, start: Int32Array.from(start), end: Int32Array.from(end) };
}
