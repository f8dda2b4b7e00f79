// Node worker thread entry for geodesicDistanceAsync: computes with the backend it is told to use.
import { parentPort } from 'node:worker_threads';
import { loadBackend } from './loader-node.js';
import type { Backend, BackendName } from './types.js';
import { answer, type WorkerRequest } from './worker-protocol.js';

const loaded = new Map<BackendName, Promise<Backend>>();
const load = (name: BackendName): Promise<Backend> => {
  let backend = loaded.get(name);
  if (backend === undefined) {
    backend = loadBackend(name);
    loaded.set(name, backend);
  }
  return backend;
};

parentPort?.on('message', async (message: WorkerRequest) => {
  const { reply, transfer } = await answer(message, load);
  parentPort?.postMessage(reply, transfer);
});
