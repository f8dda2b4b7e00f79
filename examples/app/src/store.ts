// The work in progress kept in IndexedDB (this browser only, never sent anywhere): the opened
// files, the seeds and the latest result, restored after a reload until the user clears them.

const DB = 'deepigeos-app';
const STORE = 'work';
const KEY = 'current';

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

function open(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

async function run<T>(mode: IDBTransactionMode, work: (store: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  const db = await open();
  try {
    return await new Promise<T>((resolve, reject) => {
      const tx = db.transaction(STORE, mode);
      const request = work(tx.objectStore(STORE));
      tx.oncomplete = () => resolve(request.result);
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error);
    });
  } finally {
    db.close();
  }
}

export const saveWork = (work: SavedWork): Promise<unknown> => run('readwrite', (s) => s.put(work, KEY));
export const loadWork = (): Promise<SavedWork | undefined> => run('readonly', (s) => s.get(KEY) as IDBRequest<SavedWork | undefined>);
export const clearWork = (): Promise<unknown> => run('readwrite', (s) => s.delete(KEY));
