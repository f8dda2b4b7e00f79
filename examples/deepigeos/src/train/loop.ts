/**
 * The training loop shared by `train-pnet` and `train-rnet`: Adam steps on batches drawn from a
 * seeded RNG, validation Dice after each epoch, best-checkpoint keeping, resumable checkpoints
 * (model + optimiser + RNG state + counters), a clean stop on `--max-minutes` or Ctrl-C, a
 * progress bar, TensorBoard scalars, a JSONL metrics log and an HTML report.
 * @module
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { saveCheckpoint, trainStep } from '@deepigeos/pnet';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { ProgressBar } from '../cli/progress.js';
import type { LabelledImage } from '../data/augment.js';
import { createEventWriter } from '../report/event-writer.js';
import { writeTrainingReport } from '../report/html-report.js';
import { parseMetricsJsonl } from '../report/metrics-log.js';
import type { OverlayImage } from '../report/overlay.js';
import { createRng, type Rng } from '../rng.js';
import { appendMetrics } from './metrics-log.js';
import { truncateMetrics } from './run-folder.js';
import { loadModel, loadOptimizerFiles, saveModel, saveOptimizerFiles, writeDirAtomically } from './model-io.js';
import { learningRateAt, progressFraction, setLearningRate, stepBudget } from './schedule.js';
import type { TrainConfig } from './schema.js';
import { batchTensors } from './tensors.js';

/** Counters and RNG state saved in every checkpoint. */
export interface LoopState {
  step: number;
  rngState: number;
  bestDice: number;
  bestStep: number;
  elapsedSeconds: number;
  /** Validations since the best one (early stopping); absent in checkpoints of older runs. */
  sinceBest?: number;
}

/** What a concrete trainer (P-Net, R-Net) supplies to the loop. */
export interface LoopTask {
  /** Draws one batch of training samples (must use only `rng` for randomness). */
  drawBatch(rng: Rng): Promise<LabelledImage[]>;
  /** Validation Dice of the model, plus overlays for the report. */
  validate(model: tfl.LayersModel): Promise<{ dice: number; overlays: OverlayImage[] }>;
}

/** Options of {@link runTraining}. */
export interface LoopOptions {
  model: tfl.LayersModel;
  config: TrainConfig;
  out: string;
  task: LoopTask;
  /** Continue from `out/checkpoint`. */
  resume: boolean;
  /** Aborting saves a checkpoint and returns with `interrupted: true` (Ctrl-C). */
  signal?: AbortSignal;
  /** Progress output (default stderr). */
  stream?: NodeJS.WriteStream;
  /** Called after every step (tests use it to interrupt at a known step). */
  onStep?: (step: number) => void;
  /**
   * Share of `maxMinutes` this loop may use (default 1); the rest is left for later stages of
   * the same command (the CRF stages of `--crf`).
   */
  budgetShare?: number;
}

/** Outcome of a run. */
export interface LoopResult {
  steps: number;
  bestDice: number;
  interrupted: boolean;
  timedOut: boolean;
  /** Stopped because validation Dice had not improved for `earlyStopping` validations. */
  stoppedEarly: boolean;
  /** Training samples per second over this invocation (excluding validation). */
  samplesPerSecond: number;
}

/** Reads `out/checkpoint/state.json`, restoring model weights and optimiser state. */
async function restore(out: string, model: tfl.LayersModel, optimizer: tf.Optimizer): Promise<LoopState> {
  const dir = join(out, 'checkpoint');
  const saved = await loadModel(dir);
  model.setWeights(saved.getWeights());
  saved.dispose();
  await loadOptimizerFiles(optimizer, dir);
  return JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')) as LoopState;
}

async function checkpoint(out: string, model: tfl.LayersModel, optimizer: tf.Optimizer, state: LoopState): Promise<void> {
  await writeDirAtomically(join(out, 'checkpoint'), async (tmp) => {
    await saveCheckpoint(model, tmp);
    await saveOptimizerFiles(optimizer, tmp);
    writeFileSync(join(tmp, 'state.json'), JSON.stringify(state));
  });
}

/**
 * Runs (or resumes) training until `epochs × stepsPerEpoch` steps, `maxMinutes` (without
 * `epochs`, the whole time budget is used), early stopping, or an abort. The learning rate
 * follows `lrSchedule` over the budget; validation runs every `stepsPerEpoch` steps.
 * Writes `out/config.json` (the full config used), `out/model` (last weights), `out/best` (best
 * validation Dice), `out/checkpoint`,
 * `out/metrics.jsonl`, `out/report.html` and TensorBoard events under `config.logDir/<out name>`.
 */
export async function runTraining(opts: LoopOptions): Promise<LoopResult> {
  const { model, config, out, task } = opts;
  const stream = opts.stream ?? process.stderr;
  const optimizer = tf.train.adam(config.learningRate);
  let state: LoopState = { step: 0, rngState: createRng(config.seed).state(), bestDice: -1, bestStep: -1, elapsedSeconds: 0 };
  if (opts.resume) state = await restore(out, model, optimizer);
  mkdirSync(out, { recursive: true });
  if (!opts.resume) writeFileSync(join(out, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);
  const rng = createRng(0, state.rngState);
  const startStep = state.step;
  const total = stepBudget(config);
  const metricsFile = join(out, 'metrics.jsonl');
  if (opts.resume) truncateMetrics(metricsFile, state.step);
  const tb = createEventWriter(join(resolve(config.logDir), basename(resolve(out))));
  // Without a step budget the bar's total is re-estimated from the time left and the step rate.
  const bar = new ProgressBar(Number.isFinite(total) ? total : state.step + 1, stream, state.step);
  const started = Date.now();
  const totalMs = config.maxMinutes === null ? Number.POSITIVE_INFINITY : config.maxMinutes * 60_000 * (opts.budgetShare ?? 1);
  const budgetMs = totalMs - state.elapsedSeconds * 1000;
  // Time of the last step and validation, so the run stops early enough to validate once more.
  let stepMs = 0;
  let validationMs = 0;
  let validatedStep = -1;
  let trainMs = 0;
  let samples = 0;
  let interrupted = false;
  let timedOut = false;
  let stoppedEarly = false;
  const patience = config.earlyStopping;
  let lastOverlays: OverlayImage[] = [];
  let lastLoss = Number.NaN;
  let lastDice: number | undefined;

  const validateAndSave = async (epoch: number): Promise<void> => {
    const v0 = Date.now();
    const v = await task.validate(model);
    validationMs = Date.now() - v0;
    validatedStep = state.step;
    lastDice = v.dice;
    lastOverlays = v.overlays;
    appendMetrics(metricsFile, { step: state.step, epoch, val_dice: v.dice, time: Date.now() });
    tb.scalar('val/dice', v.dice, state.step);
    if (v.dice > state.bestDice) {
      state.bestDice = v.dice;
      state.bestStep = state.step;
      state.sinceBest = 0;
      await saveModel(model, join(out, 'best'));
    } else {
      state.sinceBest = (state.sinceBest ?? 0) + 1;
    }
  };

  try {
    while (state.step < total) {
      if (opts.signal?.aborted) {
        interrupted = true;
        break;
      }
      if (Date.now() - started + stepMs + 1.2 * validationMs >= budgetMs) {
        timedOut = true;
        break;
      }
      const t0 = Date.now();
      const elapsedMs = state.elapsedSeconds * 1000 + (t0 - started);
      const lr = learningRateAt(config.lrSchedule, config.learningRate, progressFraction(state.step, total, elapsedMs, totalMs), config.minLearningRate);
      setLearningRate(optimizer, lr);
      const batch = await task.drawBatch(rng);
      const { x, y } = batchTensors(batch);
      try {
        lastLoss = await trainStep(model, optimizer, [x, y], { loss: config.loss });
      } finally {
        tf.dispose([x, y]);
      }
      stepMs = Date.now() - t0;
      trainMs += stepMs;
      samples += batch.length;
      state.step++;
      state.rngState = rng.state();
      const epoch = Math.ceil(state.step / config.stepsPerEpoch);
      appendMetrics(metricsFile, { step: state.step, epoch, loss: lastLoss, lr, time: Date.now() });
      tb.scalar('train/loss', lastLoss, state.step);
      if (state.step % config.stepsPerEpoch === 0) {
        await validateAndSave(epoch);
        state.elapsedSeconds += (Date.now() - started) / 1000;
        await checkpoint(out, model, optimizer, { ...state });
        state.elapsedSeconds -= (Date.now() - started) / 1000;
        if (patience > 0 && (state.sinceBest ?? 0) >= patience) {
          stoppedEarly = true;
          bar.update(state.step, { loss: lastLoss, dice: lastDice });
          break;
        }
      }
      if (!Number.isFinite(total)) {
        const rate = (Date.now() - started) / Math.max(state.step - startStep, 1);
        bar.setTotal(state.step + Math.max(0, budgetMs - (Date.now() - started)) / rate);
      }
      bar.update(state.step, { loss: lastLoss, dice: lastDice });
      opts.onStep?.(state.step);
    }
    // The annealed last weights are often the best: validate them unless that was just done.
    if ((timedOut && validatedStep !== state.step) || (interrupted && state.bestStep < 0)) await validateAndSave(Math.ceil(state.step / config.stepsPerEpoch));
    state.elapsedSeconds += (Date.now() - started) / 1000;
    await checkpoint(out, model, optimizer, state);
    await saveModel(model, join(out, 'model'));
  } finally {
    bar.done();
    tb.close();
    optimizer.dispose();
  }
  writeTrainingReport(join(out, 'report.html'), {
    title: `DeepIGeoS training report: ${basename(resolve(out))}`,
    metrics: existsSync(metricsFile) ? parseMetricsJsonl(readFileSync(metricsFile, 'utf8'), metricsFile) : [],
    overlays: lastOverlays,
    summary: {
      steps: state.step,
      'best validation Dice': Number(state.bestDice.toFixed(4)),
      'best at step': state.bestStep,
      'training samples/s (this run)': Number((samples / Math.max(trainMs / 1000, 1e-9)).toFixed(2)),
      backend: tf.getBackend(),
      stopped: interrupted ? 'interrupted (Ctrl-C)' : timedOut ? 'time limit' : stoppedEarly ? `early stopping (${patience} validations without improvement)` : 'completed',
    },
    config,
  });
  const samplesPerSecond = samples / Math.max(trainMs / 1000, 1e-9);
  stream.write(
    `${state.step} steps, ${samples} samples at ${samplesPerSecond.toFixed(2)} samples/s (training time only), best validation Dice ${state.bestDice.toFixed(4)} at step ${state.bestStep}; stopped: ${interrupted ? 'interrupted' : timedOut ? 'time limit' : stoppedEarly ? 'early stopping' : 'completed'}\n`,
  );
  return { steps: state.step, bestDice: state.bestDice, interrupted, timedOut, stoppedEarly, samplesPerSecond };
}
