// createLattice: the permutohedral lattice (Adams, Baek & Davis, Eurographics 2010) that
// approximates Gaussian filtering Σ_j exp(-½‖f_i - f_j‖²) v_j in time linear in the points.
// Built and filtered by the WebAssembly kernels when they are loaded, by the TypeScript loops
// otherwise (or when the module's memory is exhausted); both build the same lattice.
import { ArgumentError, ShapeError, requireFinite, requireInteger } from './errors.js';
import { checkFilterArgs, type FilterOptions, type Lattice, type LatticeData, type LatticeOptions } from './lattice-common.js';
import { buildLatticeTs, filterLatticeTs } from './lattice-ts.js';
import { buildLatticeWasm, filterLatticeWasm } from './lattice-wasm.js';
import { withKernels } from './kernels.js';

export type { FilterOptions, Lattice, LatticeOptions } from './lattice-common.js';

/**
 * Builds a permutohedral lattice over `n` points with `d` features each. Features must already
 * be scaled by the caller (divide positions by θ_α, intensities by θ_β, ...), so the filter is a
 * unit-variance Gaussian in feature space.
 * @param features - `n × d` values, point-major
 * @param options - see {@link LatticeOptions} (default: 1 blur pass per direction)
 * @throws {@link ShapeError} if `features.length !== n * d`
 * @throws {@link ArgumentError} if `n`/`d`/`blurPasses` are not positive integers or a feature is not finite
 */
export function createLattice(features: Float32Array, n: number, d: number, options?: LatticeOptions): Lattice {
  requireInteger('createLattice: n', n, 1);
  requireInteger('createLattice: d', d, 1);
  const passes = options?.blurPasses ?? 1;
  requireInteger('createLattice: blurPasses', passes, 1);
  if (!(features instanceof Float32Array)) throw new ArgumentError('createLattice: features must be a Float32Array');
  if (features.length !== n * d) {
    throw new ShapeError(`createLattice: features has length ${features.length}, expected n*d = ${n * d}`);
  }
  requireFinite('createLattice: features', features);
  const data: LatticeData = withKernels(
    (k) => buildLatticeWasm(k, features, n, d, passes),
    () => buildLatticeTs(features, n, d, passes),
  );
  return {
    n,
    d,
    vertexCount: data.m,
    filter(values: Float32Array, channels: number, options?: FilterOptions): Float32Array {
      checkFilterArgs(n, values, channels);
      const reverse = options?.reverse === true;
      return withKernels(
        (k) => filterLatticeWasm(k, data, values, channels, reverse),
        () => filterLatticeTs(data, values, channels, reverse),
      );
    },
  };
}
