// Row segments of voxels whose window neighbour lies inside the volume, precomputed once so the
// hot loops (local messages, pair features) run over flat typed arrays without bounds checks.
import type { WindowOffsets } from './window.js';

/** Valid row segments for every window offset of a `[D, H, W]` volume (D = 1 in 2D). */
export interface NeighbourRuns {
  /** Voxels per image. */
  voxels: number;
  /** Flat index step to the neighbour, per offset. */
  delta: Int32Array;
  /** Offset index of each run; runs are grouped by offset in increasing order. */
  offset: Int32Array;
  /** Runs of offset k are `firstRun[k] .. firstRun[k + 1] − 1`. */
  firstRun: Int32Array;
  /** Number of row blocks (groups of consecutive rows, ~8k voxels, that stay in cache). */
  blocks: number;
  /** Runs of offset k in row block b are `blockRun[k·blocks + b] .. blockRun[k·blocks + b + 1] − 1`. */
  blockRun: Int32Array;
  /** First voxel of each run. */
  start: Int32Array;
  /** One past the last voxel of each run. */
  end: Int32Array;
}

/** Spatial shape `[...spatial]` (2D or 3D) as `[D, H, W]`. */
export function asDhw(spatial: readonly number[]): [number, number, number] {
  return spatial.length === 3 ? [spatial[0]!, spatial[1]!, spatial[2]!] : [1, spatial[0]!, spatial[1]!];
}

// The last few geometries: one layer call builds its runs for the weights and for the messages.
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
  const offset: number[] = [];
  const start: number[] = [];
  const end: number[] = [];
  for (let k = 0; k < count; k++) {
    const dz = rank === 3 ? offsets[k * rank]! : 0;
    const dy = offsets[k * rank + rank - 2]!;
    const dx = offsets[k * rank + rank - 1]!;
    delta[k] = (dz * height + dy) * width + dx;
    firstRun[k] = offset.length;
    const x0 = Math.max(0, -dx);
    const x1 = Math.min(width, width - dx);
    if (x1 <= x0) continue;
    for (let z = Math.max(0, -dz); z < Math.min(depth, depth - dz); z++) {
      for (let y = Math.max(0, -dy); y < Math.min(height, height - dy); y++) {
        const row = (z * height + y) * width;
        offset.push(k);
        start.push(row + x0);
        end.push(row + x1);
      }
    }
  }
  firstRun[count] = offset.length;
  // Runs are sorted by offset, then row: find where each (offset, row block) starts.
  const blockRows = Math.max(1, Math.floor(8192 / width));
  const blocks = Math.ceil((depth * height) / blockRows);
  const blockRun = new Int32Array(count * blocks + 1);
  let r = 0;
  for (let k = 0; k < count; k++) {
    for (let b = 0; b < blocks; b++) {
      while (r < firstRun[k + 1]! && Math.floor(start[r]! / width) < b * blockRows) r++;
      blockRun[k * blocks + b] = r;
    }
    r = firstRun[k + 1]!;
  }
  blockRun[count * blocks] = offset.length;
  return { voxels: depth * height * width, delta, offset: Int32Array.from(offset), firstRun, blocks, blockRun, start: Int32Array.from(start), end: Int32Array.from(end) };
}
