// Web Worker entry of the pipeline (started by PipelineWorker in client.ts): answers one request
// at a time, in arrival order, and reports progress while it works.
import { PipelineHost } from './host.js';
import type { PipelineResult, WorkerReply, WorkerRequest } from './protocol.js';

interface WorkerScope {
  onmessage: ((event: MessageEvent<WorkerRequest>) => void) | null;
  postMessage(message: WorkerReply, transfer?: Transferable[]): void;
}

const scope = self as unknown as WorkerScope;
const host = new PipelineHost();
let queue: Promise<void> = Promise.resolve();

async function handle(request: WorkerRequest): Promise<{ value: unknown; transfer: Transferable[] }> {
  const report = (progress: WorkerReply & { kind: 'progress' }) => scope.postMessage(progress);
  const onProgress = (progress: Parameters<typeof report>[0]['progress']) => report({ id: request.id, kind: 'progress', progress });
  switch (request.kind) {
    case 'init':
      return { value: await host.init(request.networks, request.options), transfer: [] };
    case 'volume':
      host.setVolume(request.volume);
      return { value: true, transfer: [] };
    case 'segment':
      return answer(await host.segment(request.request, onProgress));
    case 'refine':
      return answer(await host.refine(request.request, onProgress));
    default:
      throw new Error(`unknown request ${JSON.stringify((request as { kind?: unknown }).kind)}`);
  }
}

function answer(result: PipelineResult): { value: unknown; transfer: Transferable[] } {
  return { value: result, transfer: [result.probability.buffer, result.mask.buffer] };
}

scope.onmessage = (event) => {
  const request = event.data;
  queue = queue.then(async () => {
    try {
      const { value, transfer } = await handle(request);
      scope.postMessage({ id: request.id, kind: 'done', value }, transfer);
    } catch (error) {
      const e = error as Error;
      scope.postMessage({ id: request.id, kind: 'error', name: e?.name ?? 'Error', message: e?.message ?? String(error) });
    }
  });
};
