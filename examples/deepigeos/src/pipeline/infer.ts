/**
 * Inference with trained networks on loaded cases: P-Net (+ CRF-Net(f)) on 2D images or 3D
 * volumes (a 2D network runs slice by slice along its training slice axis), and interactive
 * sessions (R-Net + CRF-Net(fu)) on one image or slice.
 * @module
 */
import { crfStage, foregroundProbability, InteractiveSession, predictLogits, type Roi, type SegmentationNetwork } from '@deepigeos/rnet';
import * as tf from '@tensorflow/tfjs-core';
import type { LabelledImage } from '../data/augment.js';
import { extractSlice } from '../data/sampling.js';
import type { ImageVolume } from '../data/volume.js';
import type { TrainedNet } from './networks.js';

/** P-Net and, if the net has one, CRF-Net(f) probabilities of one image whose rank matches the net. */
export async function pnetOnImage(net: TrainedNet, image: ImageVolume): Promise<{ pnet: Float32Array; crf?: Float32Array }> {
  const x = tf.tensor(image.data, [1, ...image.shape, image.channels]);
  let logits: tf.Tensor | undefined;
  try {
    logits = await predictLogits(net.network, x, 'P-Net');
    const pnet = await foregroundProbability(logits);
    if (!net.crf) return { pnet };
    const refined = await crfStage(net.crf)({ logits, image: x, spacing: image.spacing });
    const crf = await foregroundProbability(refined);
    refined.dispose();
    return { pnet, crf };
  } finally {
    tf.dispose([x, logits]);
  }
}

/** Writes slice `index` of a 2D probability map into a 3D array along `axis`. */
function pasteSlice(target: Float32Array, shape: number[], axis: number, index: number, slice: Float32Array): void {
  const strides = [shape[1]! * shape[2]!, shape[2]!, 1];
  const keep = [0, 1, 2].filter((a) => a !== axis) as [number, number];
  let k = 0;
  for (let u = 0; u < shape[keep[0]]!; u++) {
    for (let v = 0; v < shape[keep[1]]!; v++, k++) target[index * strides[axis]! + u * strides[keep[0]]! + v * strides[keep[1]]!] = slice[k]!;
  }
}

/**
 * P-Net (+ CRF-Net(f)) probabilities over a whole image: directly when ranks match, or slice by
 * slice along the net's `sliceAxis` for a 2D net on a 3D volume (`onSlice` reports slices done).
 */
export async function pnetOnCase(
  net: TrainedNet,
  image: ImageVolume,
  onSlice?: (done: number, total: number) => void,
): Promise<{ pnet: Float32Array; crf?: Float32Array }> {
  if (image.shape.length === net.config.dim) return pnetOnImage(net, image);
  if (net.config.dim === 3) throw new RangeError(`a 3D P-Net cannot segment a ${image.shape.length}D image`);
  const axis = net.config.sliceAxis;
  const n = image.data.length / image.channels;
  const pnet = new Float32Array(n);
  const crf = net.crf ? new Float32Array(n) : undefined;
  const empty = new Uint8Array(n);
  for (let s = 0; s < image.shape[axis]!; s++) {
    const slice = extractSlice({ image, label: empty }, axis, s).image;
    const r = await pnetOnImage(net, slice);
    pasteSlice(pnet, image.shape, axis, s, r.pnet);
    if (crf && r.crf) pasteSlice(crf, image.shape, axis, s, r.crf);
    onSlice?.(s + 1, image.shape[axis]!);
  }
  return crf ? { pnet, crf } : { pnet };
}

/** Options of {@link createSession}. */
export interface SessionOptions {
  /** Restrict the session to this box. */
  roi?: Roi;
  /** Geodesic λ of the seed encoding (default: the R-Net's training λ; 0 = Euclidean). */
  lambda?: number;
  /** The R-Net to run instead of `rnet.network` (e.g. one reporting progress). */
  rnetNetwork?: SegmentationNetwork;
}

/** Stands in for P-Net in sessions that start from a given result (`startFrom`): calling it is a bug. */
const NO_PNET: SegmentationNetwork = {
  predict() {
    throw new Error('this session has no P-Net: start it with startFrom(volume, probability)');
  },
};

/**
 * An interactive session with the P-Net/R-Net pair and their CRF stages (if saved). Without a
 * P-Net the session must be started from a given result (`session.startFrom`).
 */
export function createSession(pnet: TrainedNet | undefined, rnet: TrainedNet, options: SessionOptions = {}): InteractiveSession {
  return new InteractiveSession({
    ...(options.roi ? { roi: options.roi } : {}),
    pnet: pnet?.network ?? NO_PNET,
    rnet: options.rnetNetwork ?? rnet.network,
    ...(pnet?.crf ? { crfF: crfStage(pnet.crf) } : {}),
    ...(rnet.crf ? { crfFU: crfStage(rnet.crf) } : {}),
    geodesic: { lambda: options.lambda ?? rnet.config.lambda ?? 1 },
  });
}

/**
 * The slice along `axis` with the most foreground (the "key slice" used when a 2D pipeline is
 * evaluated on 3D cases), as a 2D labelled image, with its index.
 */
export function keySlice(sample: LabelledImage, axis: 0 | 1 | 2): { slice: LabelledImage; index: number } {
  const shape = sample.image.shape;
  const stride = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const counts = new Float64Array(shape[axis]!);
  for (let i = 0; i < sample.label.length; i++) if (sample.label[i]) counts[Math.floor(i / stride) % shape[axis]!]!++;
  let index = Math.floor(shape[axis]! / 2);
  for (let s = 0; s < counts.length; s++) if (counts[s]! > counts[index]!) index = s;
  return { slice: extractSlice(sample, axis, index), index };
}

/**
 * The bounding box of a mask's foreground grown by `margin` voxels per side and clipped to the
 * grid — the box a user draws around the object before segmenting; undefined for an empty mask.
 */
export function foregroundBox(mask: Uint8Array, shape: readonly number[], margin: number): Roi | undefined {
  const lo = shape.map(() => Number.POSITIVE_INFINITY);
  const hi = shape.map(() => -1);
  const strides = shape.map((_, a) => shape.slice(a + 1).reduce((p, d) => p * d, 1));
  for (let i = 0; i < mask.length; i++) {
    if (!mask[i]) continue;
    for (let a = 0; a < shape.length; a++) {
      const c = Math.floor(i / strides[a]!) % shape[a]!;
      if (c < lo[a]!) lo[a] = c;
      if (c > hi[a]!) hi[a] = c;
    }
  }
  if (hi[0]! < 0) return undefined;
  const start = lo.map((l) => Math.max(0, l - margin));
  return { start, size: hi.map((h, a) => Math.min(shape[a]! - 1, h + margin) - start[a]! + 1) };
}
