// Worker thread of predictVolume({ workers }): runs jobs on its own tfjs backend.
// Messages in: { load: artifacts } (replaces the model; answered { loaded: true } or { error }),
// { id, job, output } (answered by one { id, slab: true } per finished output slab, then
// { id, values } or { id, error }).
import { parentPort, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { loadLayersModel } from '@tensorflow/tfjs-layers';
import { initBackend } from '../backend.js';
import '../native-conv-addon.js'; // each worker loads the addon (a context-aware Node-API module)
import '../layers/batch-norm.js';
import '../layers/channel-concat.js';
import '../layers/dilated-conv.js';
import '../layers/pnet-block.js';
import { type DepthStreamPlan, depthStreamPlan } from './depth-stream.js';
import { type ModelArtifacts, runJob, type WindowJob, type WindowOutput } from './window-predictor.js';

// One thread per worker: predictVolume's workers already run in parallel.
await initBackend((workerData as { backend: string }).backend, { convolutionThreads: 1 });
let model: tfl.LayersModel | undefined;
let plan: DepthStreamPlan | undefined;

type Message = { load: ModelArtifacts } | { id: number; job: WindowJob; output: WindowOutput };

parentPort!.on('message', async (msg: Message) => {
  if ('load' in msg) {
    try {
      model?.dispose();
      model = await loadLayersModel(tf.io.fromMemory(msg.load));
      plan = depthStreamPlan(model);
      parentPort!.postMessage({ loaded: true });
    } catch (e) {
      parentPort!.postMessage({ error: String((e as Error).stack ?? e) });
    }
    return;
  }
  const { id, job, output } = msg;
  try {
    const values = await runJob(model!, plan, job, output, () => parentPort!.postMessage({ id, slab: true }));
    parentPort!.postMessage({ id, values }, [values.buffer as ArrayBuffer]);
  } catch (e) {
    parentPort!.postMessage({ id, error: String((e as Error).stack ?? e) });
  }
});
