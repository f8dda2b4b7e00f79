import { GeodesicBackendError, GeodesicRangeError } from './errors.js';
import { type Backend, type CoreScalars, coreScalars, type GeodesicMethod, type GeodesicRequest } from './types.js';
import { validateRequest } from './validate.js';

interface Exports {
  memory: WebAssembly.Memory;
  _initialize(): void;
  geodesic_alloc(bytes: number): number;
  geodesic_free(ptr: number): void;
  geodesic_compute(image: number, seeds: number, out: number, ...scalars: CoreScalars): number;
}

/** Core status codes (geodesic::Status) → the argument they blame. */
const STATUS_ARGUMENT: Record<number, string> = {
  2: 'shape',
  3: 'options.channels',
  4: 'shape',
  5: 'options.spacing',
  6: 'options.lambda',
  7: 'options.iterations',
  8: 'options.method',
  9: 'image',
};

class WasmProcExit extends Error {}

async function instantiate(bytes: BufferSource): Promise<Exports> {
  const imports = {
    // The standalone module reports heap growth; the JS views are re-created on every call anyway.
    env: { emscripten_notify_memory_growth: () => {} },
    wasi_snapshot_preview1: {
      proc_exit: (code: number) => {
        throw new WasmProcExit(`geodesic wasm exited with code ${code}`);
      },
    },
  };
  const { instance } = await WebAssembly.instantiate(bytes, imports);
  const exports = instance.exports as unknown as Exports;
  exports._initialize();
  return exports;
}

/**
 * Instantiates the WebAssembly build from its bytes.
 * @throws GeodesicBackendError if the bytes are not a valid module.
 */
export async function createWasmBackend(bytes: BufferSource): Promise<Backend> {
  let wasm: Exports;
  try {
    wasm = await instantiate(bytes);
  } catch (error) {
    throw new GeodesicBackendError('geodesic wasm module could not be instantiated', { cause: error });
  }
  const alloc = (bytesNeeded: number): number => {
    const ptr = wasm.geodesic_alloc(Math.max(bytesNeeded, 1));
    if (ptr === 0) {
      throw new GeodesicRangeError('shape', `input too large for the WebAssembly heap (${bytesNeeded} more bytes needed)`);
    }
    return ptr;
  };
  const backend: Backend = {
    name: 'wasm',
    compute(r: GeodesicRequest): Float32Array {
      const voxels = r.depth * r.height * r.width;
      const pointers: number[] = [];
      try {
        const imagePtr = alloc(r.image.byteLength);
        pointers.push(imagePtr);
        const seedsPtr = alloc(voxels);
        pointers.push(seedsPtr);
        const outPtr = alloc(voxels * 4);
        pointers.push(outPtr);
        // Views are taken after all allocations: growing the memory detaches older buffers.
        new Float32Array(wasm.memory.buffer, imagePtr, r.image.length).set(r.image);
        new Uint8Array(wasm.memory.buffer, seedsPtr, voxels).set(r.seeds);
        const status = wasm.geodesic_compute(imagePtr, seedsPtr, outPtr, ...coreScalars(r));
        if (status !== 0) {
          throw new GeodesicRangeError(STATUS_ARGUMENT[status] ?? 'arguments', `rejected by the wasm core (status ${status})`);
        }
        return new Float32Array(wasm.memory.buffer, outPtr, voxels).slice();
      } catch (error) {
        if (error instanceof WebAssembly.RuntimeError || error instanceof WasmProcExit) {
          // A trap (e.g. out of memory inside the core) may leave the heap inconsistent: stop using it.
          pointers.length = 0;
          wasm = brokenInstance(error);
        }
        throw error;
      } finally {
        for (const ptr of pointers) wasm.geodesic_free(ptr);
      }
    },
  };
  warmUp(backend);
  // One macrotask for the background compilation of the optimised code to land.
  await new Promise((resolve) => setTimeout(resolve, 0));
  return backend;
}

/**
 * Runs every solver once on a tiny volume (about 20 ms). V8 runs a WebAssembly function in its
 * baseline compiler until the function has done enough work, and cannot switch a running call
 * to the optimised code: without this, the first real map takes about 2.5× longer (measured on a
 * 512×512 'exact': 0.05 s instead of 0.02 s).
 */
function warmUp(backend: Backend): void {
  const n = 20 * 20 * 20;
  const image = new Float32Array(n).map((_, i) => (i * 7919) % 13);
  const seeds = new Uint8Array(n);
  seeds[0] = 1;
  const runs: [GeodesicMethod, number][] = [
    ['exact', 1],
    ['exact', 0],
    ['raster', 1],
  ];
  for (const [method, lambda] of runs) backend.compute(validateRequest(image, seeds, [20, 20, 20], { method, lambda }));
}

/** Stand-in for an instance that trapped: every call reports the original failure. */
function brokenInstance(cause: unknown): Exports {
  const fail = (): never => {
    throw new GeodesicBackendError('geodesic wasm instance trapped in an earlier call and is no longer usable; restart the process or reload the page', {
      cause,
    });
  };
  return {
    memory: new WebAssembly.Memory({ initial: 0 }),
    _initialize: fail,
    geodesic_alloc: fail,
    geodesic_free: fail,
    geodesic_compute: fail,
  };
}
