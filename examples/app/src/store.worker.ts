// The storage worker: IndexedDB reads and writes of the saved work, off the page's main thread.
import { deleteWork, getWork, putWork } from './store-db.js';
import { type StoreReply, type StoreRequest, transferablesOf } from './store.js';

const scope = self as unknown as {
  onmessage: (e: MessageEvent<StoreRequest>) => void;
  postMessage(reply: StoreReply, transfer: Transferable[]): void;
};

scope.onmessage = async ({ data: request }) => {
  try {
    if (request.op === 'save') await putWork(request.work);
    else if (request.op === 'clear') await deleteWork();
    const work = request.op === 'load' ? await getWork() : undefined;
    scope.postMessage({ id: request.id, ok: true, ...(work ? { work } : {}) }, transferablesOf(work));
  } catch (error) {
    scope.postMessage({ id: request.id, ok: false, error: (error as Error)?.message ?? String(error) }, []);
  }
};
