/**
 * Refining an existing segmentation with user seeds, without P-Net: R-Net (+ CRF-Net(fu)) on
 * [image, previous result, G(fg), G(bg)], by default only inside a box around the seeds (the
 * rest of the previous result is kept). This is what `deepigeos refine` and `segment --seeds` run.
 * @module
 */
import type { Roi, SegmentationNetwork, StageTimings } from '@deepigeos/rnet';
import { type Box, cropArray } from '../data/preprocess.js';
import { extractSlice } from '../data/sampling.js';
import type { ImageVolume } from '../data/volume.js';
import { UsageError } from '../errors.js';
import { createSession, foregroundBox } from './infer.js';
import { reportingProgress, type TrainedNet } from './networks.js';

/** Options of {@link refineSegmentation}. */
export interface RefineOptions {
  /** The (preprocessed) image. */
  image: ImageVolume;
  /** The previous result on the image's grid: foreground probability or a 0/1 mask. */
  init: Float32Array;
  /** Foreground / background seed masks on the image's grid. */
  fg: Uint8Array;
  bg: Uint8Array;
  /** The trained R-Net (with its CRF-Net(fu), if saved). */
  rnet: TrainedNet;
  /**
   * Refine inside the seeds' bounding box grown by this many voxels per side (clipped to the
   * image); undefined = the whole image (2D nets on volumes: the whole seeded slices).
   */
  roiMargin?: number;
  /** Geodesic λ of the seed encoding (default: the R-Net's training λ; 0 = Euclidean). */
  lambda?: number;
  /**
   * The seeds whose bounding box (+ `roiMargin`) is refined, e.g. only the latest round's clicks
   * while `fg`/`bg` hold every seed so far; default `fg`/`bg`.
   */
  boxSeeds?: { fg: Uint8Array; bg: Uint8Array };
  /** Called with (stage, done, total) as R-Net works: windows of a 3D net, slices of a 2D net. */
  onProgress?: (stage: string, done: number, total: number) => void;
}

/** What {@link refineSegmentation} returns. */
export interface RefineResult {
  /** Refined foreground probability on the image's grid (exactly 1 / 0 at the fg / bg seeds inside the box). */
  probability: Float32Array;
  /** R-Net's own probability before CRF-Net(fu) (the previous result outside the refined boxes). */
  networkProbability: Float32Array;
  /** The boxes refined (one per seeded slice for 2D nets on volumes), in the image's axis order. */
  rois: Roi[];
  /** Milliseconds per stage (seed encoding, R-Net, CRF-Net(fu)), summed over slices. */
  timings: { encode: number; rnet: number; crfFU: number };
}

/** Adds a session result's stage times to `into`. */
function addTimings(into: RefineResult['timings'], t: StageTimings): void {
  into.encode += t.encode ?? 0;
  into.rnet += t.rnet ?? 0;
  into.crfFU += t.crfFU ?? 0;
}

const any = (m: Uint8Array) => m.some((v) => v !== 0);

/** Writes a box's values (row-major over the box) into `target` of `shape`; returns `target`. */
function pasteFromBox(target: Float32Array, shape: readonly number[], box: Box, values: Float32Array): Float32Array {
  const size = box.end.map((e, a) => e - box.start[a]!);
  const strides = shape.map((_, a) => shape.slice(a + 1).reduce((p, d) => p * d, 1));
  const rowLength = size.at(-1)!;
  const rows = values.length / rowLength;
  for (let r = 0; r < rows; r++) {
    // Row r of the box → its first voxel in the grid.
    let rest = r;
    let offset = box.start.at(-1)!;
    for (let a = size.length - 2; a >= 0; a--) {
      offset += (box.start[a]! + (rest % size[a]!)) * strides[a]!;
      rest = Math.floor(rest / size[a]!);
    }
    target.set(values.subarray(r * rowLength, (r + 1) * rowLength), offset);
  }
  return target;
}

/** The box around the seeds grown by `margin`, or the whole grid when `margin` is undefined. */
export function seedBox(fg: Uint8Array, bg: Uint8Array, shape: readonly number[], margin: number | undefined): Roi {
  const whole = { start: shape.map(() => 0), size: [...shape] };
  if (margin === undefined) return whole;
  const union = Uint8Array.from(fg, (v, i) => (v || bg[i] ? 1 : 0));
  return foregroundBox(union, shape, margin) ?? whole;
}

/**
 * Refines `init` with the seeds: one R-Net (+ CRF-Net(fu)) pass. A 3D R-Net runs on the volume
 * (inside the seed box); a 2D R-Net on a volume runs on each axial slice that holds seeds (inside
 * the slice's seed box); slices without seeds keep `init`.
 * @throws UsageError when there are no seeds, or a 2D net was trained along another axis
 */
export async function refineSegmentation(options: RefineOptions): Promise<RefineResult> {
  const { image, init, fg, bg, rnet, roiMargin } = options;
  if (!any(fg) && !any(bg)) throw new UsageError('refine: no seeds (a refinement needs at least one foreground or background seed)');
  const dim = rnet.config.dim;
  const boxSeeds = options.boxSeeds ?? { fg, bg };
  const probability = init.slice();
  const networkProbability = init.slice();
  const timings = { encode: 0, rnet: 0, crfFU: 0 };
  // One refinement of `plane` voxels from `offset` of the volume (the whole volume, or one slice).
  const refineIn = async (part: ImageVolume, offset: number, network: SegmentationNetwork): Promise<Roi> => {
    const n = part.data.length / part.channels;
    const view = <T extends Float32Array | Uint8Array>(a: T) => a.subarray(offset, offset + n) as T;
    const roi = seedBox(view(boxSeeds.fg), view(boxSeeds.bg), part.shape, roiMargin);
    // The session sees only the box (all it computes in anyway), so no whole-volume array is
    // copied per step: on a 179×217×181 T1 those copies cost seconds under load. Seeds outside
    // the box (earlier rounds) are already in the previous result there.
    const box = { start: [...roi.start], end: roi.start.map((st, a) => st + roi.size[a]!) };
    const crop = <T extends Float32Array | Uint8Array>(a: T, channels = 1) => cropArray(a, part.shape, channels, box);
    const session = createSession(undefined, rnet, { rnetNetwork: network, ...(options.lambda === undefined ? {} : { lambda: options.lambda }) });
    session.startFrom({ data: crop(part.data, part.channels), shape: [...roi.size] as [number, number], spacing: part.spacing, channels: part.channels }, crop(view(init)));
    await session.addSeeds('fg', crop(view(fg)));
    await session.addSeeds('bg', crop(view(bg)));
    const r = await session.refine();
    addTimings(timings, r.timings);
    pasteFromBox(view(probability), part.shape, box, r.probability);
    pasteFromBox(view(networkProbability), part.shape, box, r.networkProbability);
    return roi;
  };
  if (image.shape.length === dim) {
    const { network } = reportingProgress(rnet, (d, t) => options.onProgress?.(dim === 3 ? 'R-Net windows' : 'R-Net', d, t));
    const roi = await refineIn(image, 0, network);
    return { probability, networkProbability, rois: [roi], timings };
  }
  if (dim === 3) throw new UsageError(`refine: a 3D R-Net cannot refine a ${image.shape.length}D image`);
  if (rnet.config.sliceAxis !== 0) throw new UsageError('refine: with a 2D R-Net on volumes only axial (sliceAxis 0) networks are supported');
  const plane = image.shape[1]! * image.shape[2]!;
  const seeded = Array.from({ length: image.shape[0]! }, (_, z) => z).filter(
    (z) => any(boxSeeds.fg.subarray(z * plane, (z + 1) * plane)) || any(boxSeeds.bg.subarray(z * plane, (z + 1) * plane)),
  );
  const rois: Roi[] = [];
  const empty = new Uint8Array(image.data.length / image.channels);
  for (const [n, z] of seeded.entries()) {
    const slice = extractSlice({ image, label: empty }, 0, z).image;
    const roi = await refineIn(slice, z * plane, rnet.network);
    rois.push({ start: [z, ...roi.start], size: [1, ...roi.size] });
    options.onProgress?.('R-Net slices', n + 1, seeded.length);
  }
  return { probability, networkProbability, rois, timings };
}
