// The page-side handle of the pipeline worker: the networks and the volume are sent once (and
// again after a cancel, which ends the worker), each job reports progress and can be cancelled.
import type {
  PipelineBackendOptions,
  PipelineInfo,
  PipelineNetworks,
  PipelineProgress,
  PipelineResult,
  PipelineVolume,
  RefineRequest,
  SegmentRequest,
  WorkerReply,
  WorkerRequest,
} from './protocol.js';

/** Raised by a job's promise when {@link PipelineWorker.cancel} stopped it. */
export class PipelineCancelledError extends Error {
  override readonly name = 'PipelineCancelledError';
}

/** An error raised inside the worker; `errorName` is the original class name (e.g. `SeedError`). */
export class PipelineWorkerError extends Error {
  override readonly name = 'PipelineWorkerError';
  constructor(
    readonly errorName: string,
    message: string,
  ) {
    super(`${errorName}: ${message}`);
  }
}

/** Options of {@link PipelineWorker}. */
export interface PipelineWorkerOptions extends PipelineBackendOptions {
  /** Starts the worker; default a module worker on this package's `pipeline-worker.js`. */
  createWorker?: () => Worker;
}

/** `Omit` applied to each member of a union. */
type DistributiveOmit<T, K extends keyof T> = T extends unknown ? Omit<T, K> : never;

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
  onProgress?: (progress: PipelineProgress) => void;
}


/**
 * DeepIGeoS segmentation and refinement in a Web Worker, so the page never freezes:
 *
 * ```ts
 * const pipeline = new PipelineWorker(networks, { wasmPaths });
 * pipeline.setVolume({ data: zScoreNonZero(raw, 1), shape: [D, H, W], spacing, channels: 1 });
 * const first = await pipeline.segment({ roi }, (p) => bar(p.stage, p.done / p.total));
 * const refined = await pipeline.refine({ probability: first.probability, fg, bg, roi: around(fg, bg) });
 * cancelButton.onclick = () => pipeline.cancel();   // the running job rejects with PipelineCancelledError
 * ```
 *
 * `networks` holds the P-Net/R-Net files as written by the training commands (model.json,
 * weights.bin, config.json, crf/). 3D networks trained on patches under 48³ run window by window
 * at their patch size; others run on the whole region at once, depth-streamed. Cancelling ends the worker; the next job starts a
 * new one and sends it the networks and the volume again.
 */
export class PipelineWorker {
  private worker?: Worker;
  private info?: Promise<PipelineInfo>;
  private volume?: PipelineVolume;
  private volumeSent = false;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();

  constructor(
    private readonly networks: PipelineNetworks,
    private readonly options: PipelineWorkerOptions = {},
  ) {}

  /** Starts the worker (if needed) and loads the networks; resolves to the backend and networks in use. */
  ready(): Promise<PipelineInfo> {
    this.start();
    return this.info!;
  }

  /** Sets the normalised volume for the following jobs (a copy is sent; the caller keeps its array). */
  setVolume(volume: PipelineVolume): void {
    this.volume = volume;
    this.volumeSent = false;
  }

  /** P-Net (+ CRF-Net(f)) on the volume or a box of it. */
  segment(request: SegmentRequest = {}, onProgress?: (progress: PipelineProgress) => void): Promise<PipelineResult> {
    return this.job({ kind: 'segment', request }, onProgress) as Promise<PipelineResult>;
  }

  /** R-Net (+ CRF-Net(fu)) inside `request.roi` on the latest result and every seed. */
  refine(request: RefineRequest, onProgress?: (progress: PipelineProgress) => void): Promise<PipelineResult> {
    return this.job({ kind: 'refine', request }, onProgress) as Promise<PipelineResult>;
  }

  /** Stops whatever runs now: ends the worker and rejects its jobs with {@link PipelineCancelledError}. */
  cancel(): void {
    this.stop(new PipelineCancelledError('cancelled'));
  }

  /** Ends the worker for good (jobs still running reject). */
  terminate(): void {
    this.stop(new PipelineCancelledError('the pipeline worker was terminated'));
  }

  private stop(error: Error): void {
    this.worker?.terminate();
    this.worker = undefined;
    this.info = undefined;
    this.volumeSent = false;
    for (const p of this.pending.values()) p.reject(error);
    this.pending.clear();
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const worker = this.options.createWorker?.() ?? new Worker(new URL('./pipeline-worker.js', import.meta.url), { type: 'module' });
    worker.onmessage = (event: MessageEvent<WorkerReply>) => this.receive(event.data);
    worker.onerror = (event) => this.stop(new PipelineWorkerError('WorkerError', event.message || 'the pipeline worker failed to start'));
    this.worker = worker;
    const { createWorker: _, ...backend } = this.options;
    this.info = this.post({ kind: 'init', networks: this.networks, options: backend }) as Promise<PipelineInfo>;
    this.info.catch(() => {});
    return worker;
  }

  private job(message: DistributiveOmit<WorkerRequest, 'id'>, onProgress?: (progress: PipelineProgress) => void): Promise<unknown> {
    if (!this.volume) return Promise.reject(new PipelineWorkerError('SessionStateError', 'no volume: call setVolume() first'));
    this.start();
    if (!this.volumeSent) {
      this.post({ kind: 'volume', volume: this.volume }).catch(() => {});
      this.volumeSent = true;
    }
    return this.post(message, onProgress);
  }

  private post(message: DistributiveOmit<WorkerRequest, 'id'>, onProgress?: (progress: PipelineProgress) => void): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, ...(onProgress ? { onProgress } : {}) });
      this.worker!.postMessage({ ...message, id } as WorkerRequest);
    });
  }

  private receive(reply: WorkerReply): void {
    const p = this.pending.get(reply.id);
    if (!p) return;
    if (reply.kind === 'progress') {
      p.onProgress?.(reply.progress);
      return;
    }
    this.pending.delete(reply.id);
    if (reply.kind === 'done') p.resolve(reply.value);
    else {
      // A failed init or volume leaves the worker unusable for the jobs queued behind it.
      p.reject(new PipelineWorkerError(reply.name, reply.message));
    }
  }
}
