// Node only (imported by node-platform.ts): predictVolume's worker threads.
import { createHash } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import type * as tfl from '@tensorflow/tfjs-layers';
import { type ModelArtifacts, modelArtifacts, type WindowJob, type WindowOutput, type WindowPredictor } from './window-predictor.js';

interface Pending {
  resolve: (values: Float32Array) => void;
  reject: (e: Error) => void;
  onSlab?: (() => void) | undefined;
}

/**
 * Worker threads kept between predictVolume calls: starting a thread and its wasm backend costs
 * about a second, as much as predicting a 48³ patch. Workers are unref'd while idle, so they
 * never keep the process alive.
 */
class WorkerPool {
  private readonly workers: Worker[];
  private readonly pending = new Map<number, Pending>();
  private readonly busy: number[];
  private nextId = 0;
  private modelKey = '';
  private loadAcks: ((error?: string) => void)[] = [];
  private terminating = false;
  broken = false;

  constructor(
    readonly count: number,
    readonly backend: string,
  ) {
    this.busy = new Array<number>(count).fill(0);
    // The URL is built outside `new Worker(...)` on purpose: bundlers (Vite) treat
    // `new Worker(new URL(...))` as a browser worker and would bundle this Node-only script.
    const workerUrl = new URL('./predict-worker.js', import.meta.url);
    this.workers = Array.from({ length: count }, () => {
      const worker = new Worker(workerUrl, { workerData: { backend } });
      worker.unref();
      worker.on('message', (msg: { id?: number; slab?: true; values?: Float32Array; error?: string; loaded?: true }) => {
        if (msg.id === undefined) {
          this.loadAcks.shift()?.(msg.error);
          return;
        }
        const job = this.pending.get(msg.id);
        // A failed pool has already rejected and dropped its jobs; late messages have no owner.
        if (job === undefined) return;
        if (msg.slab === true) {
          job.onSlab?.();
          return;
        }
        this.pending.delete(msg.id);
        this.release(worker);
        if (msg.error !== undefined) job.reject(new Error(`predictVolume worker: ${msg.error}`));
        else job.resolve(msg.values!);
      });
      worker.on('error', (e) => this.fail(e));
      // A thread can also end without an 'error' event (process.exit in a worker, an external
      // terminate, the runtime killing it): its jobs would otherwise wait forever.
      worker.on('exit', (code) => {
        if (!this.terminating) this.fail(new Error(`predictVolume worker exited unexpectedly (exit code ${code})`));
      });
      return worker;
    });
  }

  /** Sends the model to every worker unless they already hold these exact weights. */
  async load(artifacts: ModelArtifacts): Promise<void> {
    const key = fingerprint(artifacts);
    if (key === this.modelKey) return;
    this.modelKey = '';
    for (const w of this.workers) w.ref();
    try {
      await Promise.all(
        this.workers.map(
          (w) =>
            new Promise<void>((resolve, reject) => {
              this.loadAcks.push((error) => (error === undefined ? resolve() : reject(new Error(`predictVolume worker: ${error}`))));
              w.postMessage({ load: artifacts });
            }),
        ),
      );
    } finally {
      for (const w of this.workers) w.unref();
    }
    this.modelKey = key;
  }

  run(job: WindowJob, output: WindowOutput, onSlab?: () => void): Promise<Float32Array> {
    if (this.broken) return Promise.reject(new Error('predictVolume worker pool is broken (a worker failed or exited)'));
    const target = this.busy.indexOf(Math.min(...this.busy));
    const worker = this.workers[target]!;
    if (this.busy[target]!++ === 0) worker.ref();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, onSlab });
      worker.postMessage({ id, job, output }, [job.data.buffer as ArrayBuffer]);
    });
  }

  private release(worker: Worker): void {
    const i = this.workers.indexOf(worker);
    if (--this.busy[i]! === 0) worker.unref();
  }

  private fail(e: Error): void {
    if (this.broken) return;
    this.broken = true;
    for (const job of this.pending.values()) job.reject(e);
    this.pending.clear();
    for (const ack of this.loadAcks) ack(String(e));
    this.loadAcks = [];
    void this.terminate();
  }

  terminate(): Promise<unknown> {
    this.terminating = true;
    return Promise.all(this.workers.map((w) => w.terminate()));
  }
}

/**
 * SHA-256 of the topology and every weight byte: a collision-free key in practice, so changed
 * weights are never mistaken for the ones the workers already hold (2 MB hash in about 1 ms).
 */
function fingerprint(artifacts: ModelArtifacts): string {
  const data = artifacts.weightData;
  return createHash('sha256')
    .update(JSON.stringify(artifacts.modelTopology) ?? '')
    .update('\0')
    .update(new Uint8Array(data))
    .digest('hex');
}

let shared: WorkerPool | undefined;

/** The pool used by later predictVolume calls (tests reach its workers through it). */
export function currentWorkerPool(): unknown {
  return shared;
}

/**
 * `count` worker threads (kept for later calls with the same count and backend), each holding
 * the model on its own tfjs backend; jobs go to the least busy worker.
 */
export async function workerPredictor(model: tfl.LayersModel, output: WindowOutput, count: number, backend: string): Promise<WindowPredictor> {
  if (shared === undefined || shared.broken || shared.count !== count || shared.backend !== backend) {
    await shared?.terminate();
    shared = new WorkerPool(count, backend);
  }
  const pool = shared;
  await pool.load(await modelArtifacts(model));
  return { concurrency: count, predict: (job, onSlab) => pool.run(job, output, onSlab), close: async () => {} };
}

/** Terminates predictVolume's worker threads (they are otherwise kept, idle and unref'd, for the next call). */
export async function closePredictWorkers(): Promise<void> {
  await shared?.terminate();
  shared = undefined;
}
