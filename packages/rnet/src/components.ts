import { OptionError } from './errors.js';
import { asVolumeShape, type GridShape } from './grid.js';

/**
 * Which neighbours touch: `'face'` is 4-connectivity in 2D and 6 in 3D (scipy.ndimage.label's
 * default); `'full'` is 8 in 2D and 26 in 3D.
 */
export type Connectivity = 'face' | 'full';

/** Result of {@link labelComponents}. */
export interface Components {
  /** Component id per voxel (1-based); 0 for background. */
  labels: Int32Array;
  /** Flat voxel indices of each component, in scan order; `voxels[k]` belongs to label k + 1. */
  voxels: Int32Array[];
}

/** Neighbour steps (dd, dh, dw) for a connectivity; 2D grids never step in d. */
function neighbourSteps(is3d: boolean, connectivity: Connectivity): [number, number, number][] {
  const steps: [number, number, number][] = [];
  const dRange = is3d ? [-1, 0, 1] : [0];
  for (const dd of dRange) {
    for (const dh of [-1, 0, 1]) {
      for (const dw of [-1, 0, 1]) {
        const moved = Math.abs(dd) + Math.abs(dh) + Math.abs(dw);
        if (moved === 0 || (connectivity === 'face' && moved > 1)) continue;
        steps.push([dd, dh, dw]);
      }
    }
  }
  return steps;
}

/**
 * Labels the connected components of a binary mask on a 2D or 3D grid (3D components in 3D:
 * regions connect across slices). Breadth-first flood fill; O(voxels × neighbours).
 */
export function labelComponents(mask: Uint8Array, shape: GridShape, connectivity: Connectivity = 'face'): Components {
  if (connectivity !== 'face' && connectivity !== 'full') {
    throw new OptionError(`connectivity must be 'face' or 'full'; got ${JSON.stringify(connectivity)}`);
  }
  const [D, H, W] = asVolumeShape(shape);
  const steps = neighbourSteps(shape.length === 3, connectivity);
  const labels = new Int32Array(mask.length);
  const voxels: Int32Array[] = [];
  const queue = new Int32Array(mask.length);
  for (let start = 0; start < mask.length; start++) {
    if (mask[start] === 0 || labels[start] !== 0) continue;
    const label = voxels.length + 1;
    let head = 0;
    let tail = 0;
    queue[tail++] = start;
    labels[start] = label;
    while (head < tail) {
      const v = queue[head++]!;
      const w = v % W;
      const h = ((v - w) / W) % H;
      const d = (v - w - h * W) / (W * H);
      for (const [dd, dh, dw] of steps) {
        const nd = d + dd;
        const nh = h + dh;
        const nw = w + dw;
        if (nd < 0 || nd >= D || nh < 0 || nh >= H || nw < 0 || nw >= W) continue;
        const n = (nd * H + nh) * W + nw;
        if (mask[n] === 0 || labels[n] !== 0) continue;
        labels[n] = label;
        queue[tail++] = n;
      }
    }
    // The queue holds exactly this component's voxels in BFS order; sort for scan order.
    voxels.push(queue.slice(0, tail).sort());
  }
  return { labels, voxels };
}
