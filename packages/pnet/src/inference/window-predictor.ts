import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { type DepthStreamPlan, streamDepth, streamSteps } from './depth-stream.js';

/** Output transform applied to the logits. */
export type WindowOutput = 'probabilities' | 'logits';

/**
 * One unit of predictVolume's work. Without `stream`: a window `[1, ...spatial, C]` through
 * `model.predict`, answered with `[...spatial, classes]`. With `stream`: `data` holds volume
 * rows `[rowOffset, rowOffset + shape[0])` of shape `[rows, H, W, C]`, and the answer is output
 * rows `range` (`[range[1] − range[0], H, W, classes]`), streamed in slabs of `slab` rows.
 */
export interface WindowJob {
  data: Float32Array;
  shape: number[];
  stream?: { rowOffset: number; depth: number; range: [number, number]; slab: number };
}

/** Runs jobs; `onSlab` is called as streamed output slabs finish (progress). */
export interface WindowPredictor {
  /** How many jobs may be in flight at once. */
  concurrency: number;
  predict(job: WindowJob, onSlab?: () => void): Promise<Float32Array>;
  close(): Promise<void>;
}

/** Runs a job on the current thread and backend. */
export async function runJob(
  model: tfl.LayersModel,
  plan: DepthStreamPlan | undefined,
  job: WindowJob,
  output: WindowOutput,
  onSlab: () => void = () => {},
): Promise<Float32Array> {
  const transform = <T extends tf.Tensor>(logits: T): T => (output === 'logits' ? logits : (tf.softmax(logits) as T));
  if (job.stream !== undefined) {
    if (plan === undefined) throw new Error('predictVolume: this model cannot be streamed along depth');
    const { rowOffset, depth, range, slab } = job.stream;
    const classes = model.outputs[0]!.shape.at(-1)!;
    const rowSize = job.shape[1]! * job.shape[2]! * classes;
    const rows = range[1] - range[0];
    const out = new Float32Array(rows * rowSize);
    // The stream may emit fewer rows than a slab at a time (waiting on a halo): report whole slabs,
    // exactly streamSteps(rows, slab) of them, as predictVolume counts them.
    let emitted = 0;
    let reported = 0;
    streamDepth(plan, { data: job.data, shape: job.shape, rowOffset, depth }, range, slab, transform, (row, values) => {
      out.set(values, (row - range[0]) * rowSize);
      emitted += values.length / rowSize;
      const due = emitted >= rows ? streamSteps(rows, slab) : Math.floor(emitted / slab);
      for (; reported < due; reported++) onSlab();
    });
    return out;
  }
  const out = tf.tidy(() => transform(model.predict(tf.tensor(job.data, job.shape)) as tf.Tensor));
  const values = (await out.data()) as Float32Array;
  out.dispose();
  onSlab();
  return values;
}

/** One job at a time on the calling thread. */
export function mainThreadPredictor(model: tfl.LayersModel, plan: DepthStreamPlan | undefined, output: WindowOutput): WindowPredictor {
  return {
    concurrency: 1,
    predict: (job, onSlab) => runJob(model, plan, job, output, onSlab),
    close: async () => {},
  };
}

/** A model in memory (topology + weights), as sent to worker threads. */
export interface ModelArtifacts {
  modelTopology: tf.io.ModelArtifacts['modelTopology'];
  weightSpecs: tf.io.WeightsManifestEntry[];
  weightData: ArrayBuffer;
}

/** Serialises a model to in-memory tfjs layers artifacts. */
export async function modelArtifacts(model: tfl.LayersModel): Promise<ModelArtifacts> {
  let captured: ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      captured = {
        modelTopology: a.modelTopology,
        weightSpecs: a.weightSpecs ?? [],
        weightData: a.weightData === undefined ? new ArrayBuffer(0) : tf.io.CompositeArrayBuffer.join(a.weightData),
      };
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(a) };
    }),
  );
  return captured!;
}
