// The threaded WASM build's failure paths: a helper worker that cannot start, one that dies in
// the middle of a solve, and a process that must still exit while its helper waits for work.
import { execFileSync } from 'node:child_process';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { GeodesicBackendError } from '../../src/errors.js';
import { loadBackend, loadWasmBackend } from '../../src/loader-node.js';
import { validateRequest } from '../../src/validate.js';
import { spawnNodeHelper } from '../../src/wasm-helper-node.js';
import { createThreadedWasmBackend, type HelperWorker } from '../../src/wasm-threads.js';
import { readFile } from 'node:fs/promises';

const shape = [12, 20, 20] as const;
const n = 12 * 20 * 20;
const image = new Float32Array(n).map((_, i) => (i * 7919) % 101);
const seeds = new Uint8Array(n);
seeds[2 * 400 + 3 * 20 + 4] = 1;
const request = validateRequest(image, seeds, shape, { method: 'exact' });
const bits = (a: Float32Array): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
const threadedBytes = () => readFile(new URL('../../wasm/geodesic-threads.wasm', import.meta.url));

describe('threaded wasm failures', async () => {
  const want = bits((await loadBackend('native')).compute(request));

  it('a helper worker that fails to start: the single-threaded build is used, same maps', async () => {
    // The worker gets no module, so instantiating the helper throws inside the worker.
    const broken = await loadWasmBackend((init) => spawnNodeHelper({ ...init, module: 'no module' as unknown as WebAssembly.Module }));
    expect(broken.threads()).toBe(1);
    broken.setSplit(1, 4);
    expect(bits(broken.compute(request)).equals(want)).toBe(true);
    expect(broken.helperTasks()).toBe(0);
    await expect(createThreadedWasmBackend(await threadedBytes(), (init) => spawnNodeHelper({ ...init, stackTop: -1 }), { threadSetting: () => 0 })).rejects.toThrow(
      GeodesicBackendError,
    );
  });

  it('a helper that traps mid-solve: a clear error, no hang, and the instance is retired', async () => {
    const backend = await createThreadedWasmBackend(await threadedBytes(), spawnNodeHelper, { threadSetting: () => 0 });
    backend.setSplit(1, 4);
    expect(bits(backend.compute(request)).equals(want)).toBe(true);
    backend.trapHelperOnNextTask();
    expect(() => backend.compute(request)).toThrow(/wasm helper thread failed/);
    expect(backend.threads()).toBe(1);
    expect(() => backend.compute(request)).toThrow(/no longer usable/);
  });

  it("the helper's stack is guarded: overflowing it traps (a clear error) instead of overwriting the heap", async () => {
    // A 64-byte stack: the helper's first frames pass its limit. Unguarded, they would write over
    // the heap block below (silently corrupting whatever the solver keeps there).
    const outcome = await createThreadedWasmBackend(await threadedBytes(), spawnNodeHelper, { threadSetting: () => 0, helperStackBytes: 64 }).then(
      (backend) => {
        backend.setSplit(1, 4);
        return () => backend.compute(request);
      },
      (error: unknown) => error,
    );
    if (typeof outcome === 'function') expect(outcome).toThrow(/wasm helper thread failed/);
    else {
      expect(outcome).toBeInstanceOf(GeodesicBackendError);
      expect(String(outcome)).toMatch(/helper thread did not start|helper thread failed|no longer usable/);
    }
  });

  it('a helper that traps mid-scan (raster wavefront): a clear error, no hang', async () => {
    const backend = await createThreadedWasmBackend(await threadedBytes(), spawnNodeHelper, { threadSetting: () => 0 });
    backend.setSplit(1, 4);
    const raster = validateRequest(image, seeds, shape, { method: 'raster' });
    const tasks = backend.helperTasks();
    expect(bits(backend.compute(raster)).equals(bits((await loadBackend('native')).compute(raster)))).toBe(true);
    expect(backend.helperTasks()).toBe(tasks + 1);
    backend.trapHelperOnNextTask();
    expect(() => backend.compute(raster)).toThrow(/wasm helper thread failed/);
  });

  it('a helper that looks idle but never takes its task: given up after 1 s, solves run on one thread', async () => {
    // The worker marks the slot idle, then sleeps (10 s at most) instead of serving.
    let worker: Worker | undefined;
    const unresponsive = ({ memory, slot }: { memory: WebAssembly.Memory; slot: number }): HelperWorker => {
      const source = `import { workerData } from 'node:worker_threads';
        const words = new Int32Array(workerData.memory.buffer);
        Atomics.store(words, workerData.slot >> 2, 1);
        Atomics.wait(words, (workerData.slot + 20) >> 2, 0, 10000);`;
      worker = new Worker(new URL(`data:text/javascript,${encodeURIComponent(source)}`), { workerData: { memory, slot } });
      worker.unref();
      return { onFailure: () => {}, terminate: () => void worker?.terminate() };
    };
    // Loading warms the solvers up with a split 'exact' solve: that one waits 1 s, then runs alone.
    const started = performance.now();
    const backend = await createThreadedWasmBackend(await threadedBytes(), unresponsive, { threadSetting: () => 0 });
    expect(performance.now() - started).toBeGreaterThan(900);
    expect(backend.threads()).toBe(1);
    backend.setSplit(1, 4);
    const again = performance.now();
    expect(bits(backend.compute(request)).equals(want)).toBe(true);
    expect(performance.now() - again).toBeLessThan(500); // the helper is not waited for again
    await worker?.terminate();
  });

  it('DEEPIGEOS_GEODESIC_THREADS=1 keeps the threaded build on one thread', async () => {
    const backend = await createThreadedWasmBackend(await threadedBytes(), spawnNodeHelper, { threadSetting: () => 1 });
    backend.setSplit(1, 4);
    backend.trapHelperOnNextTask(); // would fail the call if the helper took a task
    expect(backend.threads()).toBe(1);
    expect(bits(backend.compute(request)).equals(want)).toBe(true);
    expect(backend.helperTasks()).toBe(0);
  });

  it('a process with an idle helper worker exits on its own', () => {
    const script = `
      import { ready, geodesicDistance, backendThreads } from '${new URL('../../dist/index.js', import.meta.url).href}';
      await ready();
      const d = geodesicDistance(new Float32Array(4000), new Uint8Array(4000).fill(1, 0, 1), [10, 20, 20], { method: 'exact' });
      console.log(backendThreads(), d[1]);
    `;
    const out = execFileSync('node', ['--input-type=module', '-e', script], {
      env: { ...process.env, DEEPIGEOS_GEODESIC_BACKEND: 'wasm' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(out.trim()).toBe('2 0.000009999999747378752'); // one step over a flat image costs 1 / (1 / 1e-5)
  });
});
