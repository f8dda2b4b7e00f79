// Web Worker entry for the browser's geodesicDistanceAsync (WASM backend only).
import type { Backend } from './types.js';
import { fetchWasmBackend } from './wasm-fetch.js';
import { answer, type WorkerRequest } from './worker-protocol.js';

interface WorkerScope {
  onmessage: ((event: MessageEvent<WorkerRequest>) => void) | null;
  postMessage(message: unknown, transfer: Transferable[]): void;
}

const scope = self as unknown as WorkerScope;
let backend: Promise<Backend> | undefined;

scope.onmessage = async (event) => {
  const { reply, transfer } = await answer(event.data, () => {
    backend ??= fetchWasmBackend();
    return backend;
  });
  scope.postMessage(reply, transfer);
};
