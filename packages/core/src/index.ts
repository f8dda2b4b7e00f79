/**
 * Shared foundations of the `@deepigeos/*` packages: the error classes every package throws and
 * the seeded random source. Zero dependencies; runs in Node and browsers.
 * @module
 */
export {
  ArgumentError,
  BackendError,
  CancelledError,
  DeepIGeoSError,
  type DeepIGeoSErrorCode,
  FormatError,
  isDeepIGeoSError,
  StateError,
} from './errors.js';
export { createRng, type Rng } from './rng.js';
