// Worker thread of predictVolume({ workers }): loads the model on its own tfjs backend and
// answers { id, data, shape } messages with { id, values } (softmax or logits, flat).
import { parentPort, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { initBackend } from '../backend.js';
import '../layers/batch-norm.js';
import '../layers/channel-concat.js';
import '../layers/dilated-conv.js';
import '../layers/pnet-block.js';
import { type ModelArtifacts, predictWindow, type WindowOutput } from './window-predictor.js';

const { artifacts, output, backend } = workerData as { artifacts: ModelArtifacts; output: WindowOutput; backend: string };
await initBackend(backend);
const model = await tfl.loadLayersModel(tf.io.fromMemory(artifacts));

parentPort!.on('message', async (msg: { id: number; data: Float32Array; shape: number[] }) => {
  try {
    const values = await predictWindow(model, msg.data, msg.shape, output);
    parentPort!.postMessage({ id: msg.id, values }, [values.buffer as ArrayBuffer]);
  } catch (e) {
    parentPort!.postMessage({ id: msg.id, error: String((e as Error).stack ?? e) });
  }
});
