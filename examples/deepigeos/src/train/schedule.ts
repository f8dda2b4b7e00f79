/**
 * How long a run trains and at which learning rate: a step budget (`epochs × stepsPerEpoch`), a
 * time budget (`maxMinutes`), or both; the learning rate follows a cosine decay over whichever
 * budget is nearer its end, so a time-limited run still anneals before the time is up.
 * @module
 */
import type { TrainConfig } from './schema.js';

/** Epochs when neither `epochs` nor `maxMinutes` is given. */
export const DEFAULT_EPOCHS = 10;

/** The step budget of a config: `epochs × stepsPerEpoch`, unbounded when only time limits the run. */
export function stepBudget(config: Pick<TrainConfig, 'epochs' | 'stepsPerEpoch' | 'maxMinutes'>): number {
  if (config.epochs !== null) return config.epochs * config.stepsPerEpoch;
  return config.maxMinutes === null ? DEFAULT_EPOCHS * config.stepsPerEpoch : Number.POSITIVE_INFINITY;
}

/**
 * Fraction of the run done, in [0, 1]: the larger of the step fraction and the time fraction
 * (either may be absent).
 */
export function progressFraction(step: number, totalSteps: number, elapsedMs: number, budgetMs: number): number {
  const bySteps = Number.isFinite(totalSteps) && totalSteps > 0 ? step / totalSteps : 0;
  const byTime = Number.isFinite(budgetMs) && budgetMs > 0 ? elapsedMs / budgetMs : 0;
  return Math.min(1, Math.max(bySteps, byTime));
}

/**
 * Learning rate at a given progress: `'constant'`, or `'cosine'` from `base` down to
 * `base × minFraction`, after a linear warm-up over the first `warmup` fraction.
 */
export function learningRateAt(schedule: 'constant' | 'cosine', base: number, progress: number, minFraction: number, warmup = 0.02): number {
  if (schedule === 'constant') return base;
  const p = Math.min(Math.max(progress, 0), 1);
  if (p < warmup) return base * (0.1 + (0.9 * p) / warmup);
  const t = (p - warmup) / Math.max(1 - warmup, 1e-9);
  return base * (minFraction + (1 - minFraction) * 0.5 * (1 + Math.cos(Math.PI * t)));
}

/** Sets the learning rate of a tfjs optimiser in place (Adam, SGD, ... keep it as `learningRate`). */
export function setLearningRate(optimizer: object, rate: number): void {
  (optimizer as { learningRate: number }).learningRate = rate;
}
