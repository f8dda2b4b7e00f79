// Messages between the main thread and the compute worker (Node worker_threads or a Web Worker).
import { GeodesicBackendError, GeodesicRangeError, GeodesicTypeError } from './errors.js';
import type { Backend, BackendName, GeodesicRequest } from './types.js';

/** Main thread → worker. @internal */
export interface WorkerRequest {
  id: number;
  backend: BackendName;
  request: GeodesicRequest;
}

/** Worker → main thread. @internal */
export type WorkerReply = { id: number; distance: Float32Array; helperTasks: number } | { id: number; error: { name: string; message: string; argument?: string } };

/** Rebuilds a worker-side error as the same class on the main thread. @internal */
export function reviveError(e: { name: string; message: string; argument?: string }): Error {
  const detail = e.argument !== undefined && e.message.startsWith(`${e.argument}: `) ? e.message.slice(e.argument.length + 2) : e.message;
  if (e.name === 'GeodesicRangeError') return new GeodesicRangeError(e.argument ?? 'arguments', detail);
  if (e.name === 'GeodesicTypeError') return new GeodesicTypeError(e.argument ?? 'arguments', detail);
  return new GeodesicBackendError(`geodesic worker: ${e.name}: ${e.message}`);
}

/** Worker side: answers one request with the given backend loader. @internal */
export async function answer(message: WorkerRequest, load: (name: BackendName) => Promise<Backend>): Promise<{ reply: WorkerReply; transfer: ArrayBuffer[] }> {
  try {
    const backend = await load(message.backend);
    const distance = backend.compute(message.request);
    return { reply: { id: message.id, distance, helperTasks: backend.helperTasks?.() ?? 0 }, transfer: [distance.buffer as ArrayBuffer] };
  } catch (error) {
    const e = error as Error & { argument?: string };
    return { reply: { id: message.id, error: { name: e.name, message: e.message, argument: e.argument } }, transfer: [] };
  }
}

/** Minimal port both worker kinds provide. @internal */
export interface Port {
  postMessage(message: WorkerRequest, transfer: ArrayBuffer[]): void;
}

/**
 * Main-thread side: sends validated requests to one worker and matches replies by id. The
 * request's arrays are copied first, so the caller's arrays stay usable. @internal
 */
export class WorkerClient {
  private nextId = 1;
  /** Tasks the worker's helper thread had run by the last answered request (a test hook). */
  helperTasks = 0;
  private readonly pending = new Map<number, { resolve: (d: Float32Array) => void; reject: (e: Error) => void }>();

  constructor(private readonly port: Port) {}

  run(backend: BackendName, request: GeodesicRequest): Promise<Float32Array> {
    const id = this.nextId++;
    const image = request.image.slice();
    const seeds = request.seeds.slice();
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.port.postMessage({ id, backend, request: { ...request, image, seeds } }, [image.buffer, seeds.buffer]);
    });
  }

  /** Number of requests still waiting for a reply. */
  get busy(): number {
    return this.pending.size;
  }

  receive(reply: WorkerReply): void {
    const waiter = this.pending.get(reply.id);
    if (waiter === undefined) return;
    this.pending.delete(reply.id);
    if ('error' in reply) waiter.reject(reviveError(reply.error));
    else {
      this.helperTasks = reply.helperTasks;
      waiter.resolve(reply.distance);
    }
  }

  /** Rejects everything in flight (the worker died). */
  failAll(error: Error): void {
    for (const waiter of this.pending.values()) waiter.reject(error);
    this.pending.clear();
  }
}
