// Node only (imported by node-platform.ts): predictVolume's worker threads.
import { Worker } from 'node:worker_threads';
import type * as tfl from '@tensorflow/tfjs-layers';
import { modelArtifacts, type WindowOutput, type WindowPredictor } from './window-predictor.js';

/**
 * `count` worker threads, each loading the model on its own tfjs backend, windows
 * dispatched to the least busy worker.
 */
export async function workerPredictor(
  model: tfl.LayersModel,
  output: WindowOutput,
  count: number,
  backend: string,
): Promise<WindowPredictor> {
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
