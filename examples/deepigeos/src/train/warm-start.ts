/**
 * Warm start of R-Net from a trained P-Net. DeepIGeoS' R-Net has P-Net's layout with three more
 * input channels (P-Net probability and two geodesic maps), so every weight but the first
 * kernel's input slice carries over. The extra input channels start at zero: at step 0 R-Net
 * reproduces P-Net exactly, and training only has to learn what the probability and the clicks
 * add. (A 3D R-Net trained from scratch on 24³ patches predicted no foreground after 50 steps.)
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { ConfigError } from '../errors.js';

/**
 * Copies `pnet`'s weights into `rnet` (same layer sequence); kernels whose input-channel axis is
 * wider in `rnet` get P-Net's values on the first channels and zeros on the extra ones.
 * @throws ConfigError when the two networks do not have the same layout (e.g. other `--channels`)
 */
export function warmStartFromPNet(rnet: tfl.LayersModel, pnet: tfl.LayersModel): void {
  const target = rnet.getWeights();
  const source = pnet.getWeights();
  if (target.length !== source.length) {
    throw new ConfigError(`initFromPNet: R-Net has ${target.length} weight tensors, the P-Net ${source.length}; use the P-Net's channels and dim`);
  }
  const weights = target.map((t, k) => {
    const s = source[k]!;
    const same = t.rank === s.rank && t.shape.every((d, a) => d === s.shape[a] || (a === t.rank - 2 && d > s.shape[a]!));
    if (!same) {
      throw new ConfigError(`initFromPNet: weight ${k} has shape [${t.shape}] in R-Net but [${s.shape}] in the P-Net; use the P-Net's channels and dim`);
    }
    if (t.shape.every((d, a) => d === s.shape[a])) return s.clone();
    // Wider input axis (first kernel): pad P-Net's kernel with zeros for the extra input channels.
    const pad = t.shape.map((d, a): [number, number] => [0, d - s.shape[a]!]);
    return tf.pad(s, pad);
  });
  rnet.setWeights(weights);
  tf.dispose(weights);
}
