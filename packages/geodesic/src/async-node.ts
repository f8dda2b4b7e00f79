import { Worker } from 'node:worker_threads';
import { requestOffThread } from './async-request.js';
import { GeodesicBackendError } from './errors.js';
import type { GeodesicOptions, Shape } from './types.js';
import { WorkerClient, type WorkerReply } from './worker-protocol.js';

let client: WorkerClient | undefined;
let worker: Worker | undefined;

function getClient(): WorkerClient {
  if (client !== undefined && worker !== undefined) return client;
  const w = new Worker(new URL('./worker-node.js', import.meta.url));
  const c = new WorkerClient(w);
  w.on('message', (reply: WorkerReply) => {
    c.receive(reply);
    if (c.busy === 0) w.unref(); // an idle worker must not keep the process alive
  });
  w.on('error', (error) => c.failAll(new GeodesicBackendError('geodesic worker failed', { cause: error })));
  w.on('exit', () => {
    c.failAll(new GeodesicBackendError('geodesic worker exited'));
    if (worker === w) {
      worker = undefined;
      client = undefined;
    }
  });
  worker = w;
  client = c;
  return c;
}

/**
 * Like {@link geodesicDistance}, but computed on a worker thread (one shared worker, requests run
 * in order) so the calling thread stays responsive. Uses the same backend as {@link ready}
 * selected. Input is validated on the calling thread first; the arrays are copied, not detached.
 * @throws (rejects with) the same error classes as {@link geodesicDistance}.
 */
export function geodesicDistanceAsync(
  image: Float32Array,
  seeds: Uint8Array,
  shape: Shape,
  options?: GeodesicOptions,
): Promise<Float32Array> {
  return requestOffThread(
    () => {
      const c = getClient();
      worker?.ref(); // busy: keep the process alive until the reply arrives
      return c;
    },
    image,
    seeds,
    shape,
    options,
  );
}

/**
 * Tasks the async worker's WASM helper thread had run by the last answered request (0 with the
 * native backend, which uses its own threads): a test hook.
 * @internal
 */
export function asyncHelperTasks(): number {
  return client?.helperTasks ?? 0;
}
