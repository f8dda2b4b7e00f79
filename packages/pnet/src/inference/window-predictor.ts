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

/**
 * Node only: `count` worker threads, each loading the model on its own tfjs backend, windows
 * dispatched to the least busy worker.
 */
export async function workerPredictor(
  model: tfl.LayersModel,
  output: WindowOutput,
  count: number,
  backend: string,
): Promise<WindowPredictor> {
  const { Worker } = await import('node:worker_threads');
  const artifacts = await modelArtifacts(model);
  const pending = new Map<number, { resolve: (v: Float32Array) => void; reject: (e: Error) => void; worker: number }>();
  const busy = new Array<number>(count).fill(0);
  let nextId = 0;
  // The URL is built outside `new Worker(...)` on purpose: bundlers (Vite) treat
  // `new Worker(new URL(...))` as a browser worker and would bundle this Node-only script.
  const workerUrl = new URL('./predict-worker.js', import.meta.url);
  const workers = Array.from({ length: count }, (_, i) => {
    const worker = new Worker(workerUrl, { workerData: { artifacts, output, backend } });
    worker.on('message', (msg: { id: number; values?: Float32Array; error?: string }) => {
      const job = pending.get(msg.id)!;
      pending.delete(msg.id);
      busy[i]!--;
      if (msg.error !== undefined) job.reject(new Error(`predictVolume worker: ${msg.error}`));
      else job.resolve(msg.values!);
    });
    worker.on('error', (e) => {
      for (const [id, job] of pending) {
        if (job.worker === i) {
          pending.delete(id);
          job.reject(e);
        }
      }
    });
    return worker;
  });
  return {
    concurrency: count,
    predict: (data, shape) =>
      new Promise((resolve, reject) => {
        const target = busy.indexOf(Math.min(...busy));
        busy[target]!++;
        const id = nextId++;
        pending.set(id, { resolve, reject, worker: target });
        workers[target]!.postMessage({ id, data, shape }, [data.buffer as ArrayBuffer]);
      }),
    close: async () => {
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}
