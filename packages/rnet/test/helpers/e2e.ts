import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import type { GeodesicEncodingOptions } from '../../src/encode.js';
import { evaluateRefinement } from '../../src/evaluate.js';
import { InteractiveSession } from '../../src/session.js';
import { rnetTrainingSample, stackTrainingSamples } from '../../src/training.js';
import type { LossSpec } from '@deepigeos/pnet';
import type { SyntheticCase } from './synthetic.js';
import { predictForeground, train } from './train.js';

/** Images and labels of synthetic cases as a `[x, labels]` batch. */
export function caseBatch(cases: SyntheticCase[]): [tf.Tensor, tf.Tensor] {
  const spatial = [...cases[0]!.shape];
  const voxels = cases[0]!.truth.length;
  const x = new Float32Array(cases.length * voxels);
  const y = new Int32Array(cases.length * voxels);
  cases.forEach((c, k) => {
    x.set(c.image, k * voxels);
    y.set(c.truth, k * voxels);
  });
  return [tf.tensor(x, [cases.length, ...spatial, 1]), tf.tensor(y, [cases.length, ...spatial], 'int32')];
}

/** Trains P-Net on `steps` fresh batches of synthetic cases. */
export async function trainPNet(
  pnet: LayersModel,
  makeCases: (step: number) => SyntheticCase[],
  steps: number,
  lr: number,
  loss?: LossSpec,
): Promise<void> {
  await train(pnet, (step) => caseBatch(makeCases(step)), steps, lr, loss);
}

/**
 * Trains R-Net the DeepIGeoS way: each step, fresh cases are segmented by the (frozen) P-Net,
 * a simulated user clicks on the errors (the click RNG depends only on the step and case, so
 * two R-Nets trained with different encodings see identical clicks), and R-Net learns the
 * ground truth from the encoded interactions.
 */
export async function trainRNet(
  rnet: LayersModel,
  pnet: LayersModel,
  makeCases: (step: number) => SyntheticCase[],
  steps: number,
  lr: number,
  geodesic: GeodesicEncodingOptions,
  loss?: LossSpec,
): Promise<void> {
  await train(
    rnet,
    async (step) => {
      const cases = makeCases(step);
      const [x, y] = caseBatch(cases);
      const probs = await predictForeground(pnet, x);
      tf.dispose([x, y]);
      const voxels = cases[0]!.truth.length;
      const samples = await Promise.all(
        cases.map((c, k) =>
          rnetTrainingSample({
            image: c.image,
            shape: c.shape,
            probability: probs.subarray(k * voxels, (k + 1) * voxels),
            groundTruth: c.truth,
            rng: 7919 * step + k,
            geodesic,
          }),
        ),
      );
      return stackTrainingSamples(samples, cases[0]!.shape);
    },
    steps,
    lr,
    loss,
  );
}

/** Mean Dice after P-Net and after one simulated refinement round over held-out cases. */
export async function meanDice(pnet: LayersModel, rnet: LayersModel, heldOut: SyntheticCase[], geodesic: GeodesicEncodingOptions) {
  let pnetDice = 0;
  let refinedDice = 0;
  for (const [k, c] of heldOut.entries()) {
    const session = new InteractiveSession({ pnet, rnet, geodesic });
    const evaluation = await evaluateRefinement({ session, volume: { data: c.image, shape: c.shape }, groundTruth: c.truth, rounds: 1, rng: 100 + k });
    pnetDice += evaluation.pnet.dice;
    refinedDice += evaluation.rounds[0]!.final.dice;
  }
  return { pnet: pnetDice / heldOut.length, refined: refinedDice / heldOut.length };
}

/** Mean Dice after P-Net and after one refinement round, per distance-map encoding. */
export type EncodingComparison = Record<'geodesic' | 'euclidean', { pnet: number; refined: number }>;

/**
 * The paper's ablation: trains two R-Nets from the same initial weights (`makeRNet` must be
 * deterministic), on the same cases and clicks, one with geodesic maps (λ = 1) and one with
 * Euclidean maps (λ = 0), and scores both on the held-out cases.
 */
export async function compareEncodings(options: {
  pnet: LayersModel;
  makeRNet: () => LayersModel;
  makeCases: (step: number) => SyntheticCase[];
  steps: number;
  lr: number;
  heldOut: SyntheticCase[];
  loss?: LossSpec;
}): Promise<EncodingComparison> {
  const results: Partial<EncodingComparison> = {};
  for (const [name, lambda] of [
    ['geodesic', 1],
    ['euclidean', 0],
  ] as const) {
    const rnet = options.makeRNet();
    await trainRNet(rnet, options.pnet, options.makeCases, options.steps, options.lr, { lambda }, options.loss);
    results[name] = await meanDice(options.pnet, rnet, options.heldOut, { lambda });
  }
  return results as EncodingComparison;
}
