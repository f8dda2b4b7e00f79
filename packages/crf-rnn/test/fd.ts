// Central finite differences for checking tfjs gradients (float32, so tolerances are loose).
import * as tf from '@tensorflow/tfjs-core';
import { rng } from './helpers.js';

/**
 * Compares the analytic gradient `grad` of `loss(x)` with central differences at `samples` entries.
 * Each entry is tried with step `eps` and `eps / 5`, keeping the better match: a large step may
 * straddle a ReLU kink, a small one amplifies float32 rounding. Returns the worst error relative to
 * the tolerance 2e-3 + 2e-2·|fd| (so < 1 passes).
 */
export function checkGradient(
  loss: (x: tf.Tensor) => number,
  x: tf.Tensor,
  grad: tf.Tensor,
  samples: number,
  seed: number,
  eps = 5e-3,
): { worst: number; compared: number } {
  const base = x.dataSync().slice();
  const g = grad.dataSync();
  const pick = rng(seed);
  let worst = 0;
  const count = Math.min(samples, base.length);
  for (let s = 0; s < count; s++) {
    const i = count === base.length ? s : Math.floor(pick() * base.length);
    let best = Number.POSITIVE_INFINITY;
    for (const step of [eps, eps / 5]) {
      const plus = base.slice();
      plus[i]! += step;
      const minus = base.slice();
      minus[i]! -= step;
      const fd = (loss(tf.tensor(plus, x.shape)) - loss(tf.tensor(minus, x.shape))) / (2 * step);
      best = Math.min(best, Math.abs(fd - g[i]!) / (2e-3 + 2e-2 * Math.abs(fd)));
    }
    worst = Math.max(worst, best);
  }
  return { worst, compared: count };
}
