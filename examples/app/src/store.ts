// The work in progress kept in IndexedDB (this browser only, never sent anywhere): the opened
// files, the seeds and the latest result, restored after a reload until the user clears them.
// Reads and writes run in a small worker: IndexedDB copies every value it stores on the calling
// thread (a quarter of a second for the probability map of a 240×240×155 volume), and that must
// not be the page's.

/** What is kept between visits. */
export interface SavedWork {
  files: { name: string; bytes: ArrayBuffer }[];
  frames: 'channels' | number;
  label?: { name: string; bytes: ArrayBuffer };
  seeds?: Uint8Array;
  probability?: Float32Array;
  box?: { start: number[]; size: number[] };
  savedAt: string;
}

/** What the store worker can be asked to do. */
type StoreOp = { op: 'save'; work: SavedWork } | { op: 'load' } | { op: 'clear' };
/** A request to the store worker. */
export type StoreRequest = StoreOp & { id: number };
/** The store worker's answer to request `id`. */
export type StoreReply = { id: number; ok: true; work?: SavedWork } | { id: number; ok: false; error: string };

/** The large arrays of `work`, moved rather than copied between threads. */
export function transferablesOf(work: SavedWork | undefined): ArrayBuffer[] {
  const buffers = [work?.seeds?.buffer, work?.probability?.buffer].filter((b): b is ArrayBuffer => b instanceof ArrayBuffer);
  return [...new Set(buffers)];
}

let worker: Worker | undefined;
let nextId = 0;
const pending = new Map<number, { resolve: (work: SavedWork | undefined) => void; reject: (error: Error) => void }>();

function storeWorker(): Worker {
  if (worker) return worker;
  const started = new Worker(new URL('./store.worker.ts', import.meta.url), { type: 'module', name: 'deepigeos-store' });
  started.onmessage = (e: MessageEvent<StoreReply>) => {
    const reply = e.data;
    const call = pending.get(reply.id);
    pending.delete(reply.id);
    if (reply.ok) call?.resolve(reply.work);
    else call?.reject(new Error(reply.error));
  };
  // A worker that fails to start, crashes or sends what cannot be read: fail what is waiting, start afresh next time.
  const fail = (reason: string) => {
    for (const call of pending.values()) call.reject(new Error(`the storage worker failed: ${reason}`));
    pending.clear();
    started.terminate();
    worker = undefined;
  };
  started.onerror = (e) => {
    e.preventDefault();
    fail(e.message || 'unknown error');
  };
  started.onmessageerror = () => fail('a reply could not be read');
  worker = started;
  return started;
}

function call(op: StoreOp): Promise<SavedWork | undefined> {
  const id = nextId++;
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject });
    try {
      storeWorker().postMessage({ ...op, id }, transferablesOf(op.op === 'save' ? op.work : undefined));
    } catch (error) {
      pending.delete(id);
      reject(error as Error);
    }
  });
}

/** Keeps `work` in this browser. Its `seeds` and `probability` arrays are moved to the storage worker (unusable here afterwards). */
export async function saveWork(work: SavedWork): Promise<void> {
  await call({ op: 'save', work });
}

/** The work kept in this browser, if any. */
export const loadWork = (): Promise<SavedWork | undefined> => call({ op: 'load' });

/** Removes the kept work. */
export async function clearWork(): Promise<void> {
  await call({ op: 'clear' });
}
