/**
 * Refining an existing segmentation with user seeds, without P-Net: R-Net (+ CRF-Net(fu)) on
 * [image, previous result, G(fg), G(bg)], by default only inside a box around the seeds (the
 * rest of the previous result is kept). This is what `deepigeos refine` and `segment --seeds` run.
 * @module
 */
import type { Roi, StageTimings } from '@deepigeos/rnet';
import { type Box, cropArray } from '../data/preprocess.js';
import { extractSlice } from '../data/sampling.js';
import type { ImageVolume } from '../data/volume.js';
import { UsageError } from '../errors.js';
import { createSession, foregroundBox } from './infer.js';
import { inferenceNetwork, type TrainedNet } from './networks.js';

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
  /** Refined foreground probability on the image's grid (exactly 1 / 0 at fg / bg seeds). */
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
  const progress = (stage: string) => (done: number, total: number) => options.onProgress?.(stage, done, total);
  const lambda = options.lambda === undefined ? {} : { lambda: options.lambda };
  const boxSeeds = options.boxSeeds ?? { fg, bg };
  if (image.shape.length === dim) {
    const roi = seedBox(boxSeeds.fg, boxSeeds.bg, image.shape, roiMargin);
    const rnetNetwork = inferenceNetwork(rnet.model, rnet.config, progress(dim === 3 ? 'R-Net windows' : 'R-Net'));
    // The session sees only the box (all it computes in anyway), so no whole-volume array is
    // copied per step: on a 179×217×181 T1 those copies cost seconds under load.
    const box = { start: [...roi.start], end: roi.start.map((s, a) => s + roi.size[a]!) };
    const crop = <T extends Float32Array | Uint8Array>(a: T, channels = 1) => cropArray(a, image.shape, channels, box);
    const session = createSession(undefined, rnet, { rnetNetwork, ...lambda });
    session.startFrom({ data: crop(image.data, image.channels), shape: [...roi.size] as [number, number], spacing: image.spacing, channels: image.channels }, crop(init));
    await session.addSeeds('fg', crop(fg));
    await session.addSeeds('bg', crop(bg));
    const r = await session.refine();
    const timings = { encode: 0, rnet: 0, crfFU: 0 };
    addTimings(timings, r.timings);
    return {
      probability: pasteFromBox(init.slice(), image.shape, box, r.probability),
      networkProbability: pasteFromBox(init.slice(), image.shape, box, r.networkProbability),
      rois: [roi],
      timings,
    };
  }
  if (dim === 3) throw new UsageError(`refine: a 3D R-Net cannot refine a ${image.shape.length}D image`);
  if (rnet.config.sliceAxis !== 0) throw new UsageError('refine: with a 2D R-Net on volumes only axial (sliceAxis 0) networks are supported');
  const plane = image.shape[1]! * image.shape[2]!;
  const seeded = Array.from({ length: image.shape[0]! }, (_, z) => z).filter(
    (z) => any(boxSeeds.fg.subarray(z * plane, (z + 1) * plane)) || any(boxSeeds.bg.subarray(z * plane, (z + 1) * plane)),
  );
  const probability = init.slice();
  const networkProbability = init.slice();
  const rois: Roi[] = [];
  const timings = { encode: 0, rnet: 0, crfFU: 0 };
  const empty = new Uint8Array(image.data.length / image.channels);
  for (const [n, z] of seeded.entries()) {
    const sf = fg.slice(z * plane, (z + 1) * plane);
    const sb = bg.slice(z * plane, (z + 1) * plane);
    const slice = extractSlice({ image, label: empty }, 0, z).image;
    const roi = seedBox(boxSeeds.fg.subarray(z * plane, (z + 1) * plane), boxSeeds.bg.subarray(z * plane, (z + 1) * plane), slice.shape, roiMargin);
    const session = createSession(undefined, rnet, { roi, ...lambda });
    session.startFrom({ data: slice.data, shape: slice.shape as [number, number], spacing: slice.spacing, channels: slice.channels }, init.subarray(z * plane, (z + 1) * plane));
    await session.addSeeds('fg', sf);
    await session.addSeeds('bg', sb);
    const r = await session.refine();
    addTimings(timings, r.timings);
    probability.set(r.probability, z * plane);
    networkProbability.set(r.networkProbability, z * plane);
    rois.push({ start: [z, ...roi.start], size: [1, ...roi.size] });
    options.onProgress?.('R-Net slices', n + 1, seeded.length);
  }
  return { probability, networkProbability, rois, timings };
}
