import { CrfNetFU, type CrfNetF } from '@deepigeos/crf-rnn';
import type * as tf from '@tensorflow/tfjs-core';
import { OptionError } from './errors.js';
import type { CrfStage, CrfStageInput } from './session.js';

/**
 * Wraps a `@deepigeos/crf-rnn` layer as a session {@link CrfStage}: a `CrfNetFU` is called on
 * `[logits, image, fgSeeds, bgSeeds]` (seeds as hard constraints), a `CrfNetF` on
 * `[logits, image]`. Inference mode (the layer's test-time iteration count).
 */
export function crfStage(layer: CrfNetF | CrfNetFU): CrfStage {
  if (layer === null || typeof layer !== 'object' || typeof layer.apply !== 'function') {
    throw new OptionError('crfStage(layer): layer must be a CrfNetF or CrfNetFU from @deepigeos/crf-rnn');
  }
  const seeded = layer instanceof CrfNetFU;
  return ({ logits, image, fgSeeds, bgSeeds }: CrfStageInput) => {
    if (!seeded) return layer.apply([logits, image]) as tf.Tensor;
    if (!fgSeeds || !bgSeeds) throw new OptionError('a CrfNetFU stage needs fgSeeds and bgSeeds: use it as crfFU, not crfF');
    return layer.apply([logits, image, fgSeeds, bgSeeds]) as tf.Tensor;
  };
}
