// IndexedDB access for the saved work (see store.ts), run in the store worker: IndexedDB copies
// each value it stores on the calling thread.
import type { SavedWork } from './store.js';

const DB = 'deepigeos-app';
const STORE = 'work';
const KEY = 'current';

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

export const putWork = (work: SavedWork): Promise<unknown> => run('readwrite', (s) => s.put(work, KEY));
export const getWork = (): Promise<SavedWork | undefined> => run('readonly', (s) => s.get(KEY) as IDBRequest<SavedWork | undefined>);
export const deleteWork = (): Promise<unknown> => run('readwrite', (s) => s.delete(KEY));
