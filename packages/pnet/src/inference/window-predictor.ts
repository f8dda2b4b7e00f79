import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

/** Predicts one window `[1, ...spatial, C]` to a flat `[...spatial, classes]` array. */
export interface WindowPredictor {
  /** How many windows may be in flight at once. */
  concurrency: number;
  predict(data: Float32Array, shape: number[]): Promise<Float32Array>;
  close(): Promise<void>;
}

/** Output transform applied to the logits. */
export type WindowOutput = 'probabilities' | 'logits';

/** Runs a window through a model on the current thread and backend. */
export async function predictWindow(model: tfl.LayersModel, data: Float32Array, shape: number[], output: WindowOutput): Promise<Float32Array> {
  const out = tf.tidy(() => {
    const logits = model.predict(tf.tensor(data, shape)) as tf.Tensor;
    return output === 'logits' ? logits : tf.softmax(logits);
  });
  const values = (await out.data()) as Float32Array;
  out.dispose();
  return values;
}

/** One window at a time on the calling thread. */
export function mainThreadPredictor(model: tfl.LayersModel, output: WindowOutput): WindowPredictor {
  return {
    concurrency: 1,
    predict: (data, shape) => predictWindow(model, data, shape, output),
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
