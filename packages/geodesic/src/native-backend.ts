import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { GeodesicBackendError, GeodesicRangeError } from './errors.js';
import { type Backend, type CoreScalars, coreScalars, type GeodesicRequest } from './types.js';

/** Environment variable keeping large 3D volumes on one thread when set to `1` (read on every call). */
const THREADS_ENV = 'DEEPIGEOS_GEODESIC_THREADS';

/** 1 if the environment asks for one thread, else 0 (automatic); both backends read it per call. @internal */
export function threadSetting(): number {
  return process.env[THREADS_ENV] === '1' ? 1 : 0;
}

interface Addon {
  compute(image: Float32Array, seeds: Uint8Array, ...scalars: CoreScalars): Float32Array;
  abiVersion: number;
}

/** Where the addon may be, in loader order: a local `npm run build:native`, then the prebuilt one. */
function candidatePaths(): string[] {
  return ['../build/Release/geodesic.node', `../prebuilds/${process.platform}-${process.arch}/geodesic.node`];
}

/** Loads the Node-API addon. @throws GeodesicBackendError listing every path tried. */
export function loadNativeBackend(): Backend {
  const require = createRequire(import.meta.url);
  const failures: string[] = [];
  for (const path of candidatePaths()) {
    let addon: Addon;
    try {
      addon = require(path) as Addon;
    } catch (error) {
      failures.push(`${path}: ${(error as Error).message.split('\n')[0]}`);
      continue;
    }
    if (addon.abiVersion !== 1) {
      failures.push(`${path}: unexpected abiVersion ${String(addon.abiVersion)}`);
      continue;
    }
    return {
      name: 'native',
      // The addon reads DEEPIGEOS_GEODESIC_THREADS on every call, and splits on >= 2 cores.
      threads: () => (threadSetting() === 1 || availableParallelism() < 2 ? 1 : 2),
      compute(r: GeodesicRequest): Float32Array {
        try {
          return addon.compute(r.image, r.seeds, ...coreScalars(r));
        } catch (error) {
          // The addon validates on its own too; report its findings in the package's error type.
          if (error instanceof RangeError) throw new GeodesicRangeError('native', error.message);
          throw error;
        }
      },
    };
  }
  throw new GeodesicBackendError(`native geodesic addon could not be loaded:\n  ${failures.join('\n  ')}`);
}
