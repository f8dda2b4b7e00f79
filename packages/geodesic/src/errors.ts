import { ArgumentError, BackendError } from '@deepigeos/core';

// The error convention shared by every @deepigeos package (families with a stable `code`).
export { ArgumentError, BackendError, DeepIGeoSError, type DeepIGeoSErrorCode, isDeepIGeoSError } from '@deepigeos/core';

/** Thrown for arguments of the wrong type (e.g. `image` not a Float32Array). An {@link ArgumentError}. */
export class GeodesicTypeError extends ArgumentError {
  override name = 'GeodesicTypeError';
  /** Name of the offending argument or option, e.g. `'seeds'` or `'options.spacing'`. */
  readonly argument: string;

  constructor(argument: string, message: string) {
    super(`${argument}: ${message}`);
    this.argument = argument;
  }
}

/** Thrown for values out of range: shape/length mismatch, spacing ≤ 0, λ ∉ [0, 1], NaN pixels, … An {@link ArgumentError}. */
export class GeodesicRangeError extends ArgumentError {
  override name = 'GeodesicRangeError';
  /** Name of the offending argument or option, e.g. `'shape'` or `'options.lambda'`. */
  readonly argument: string;

  constructor(argument: string, message: string) {
    super(`${argument}: ${message}`);
    this.argument = argument;
  }
}

/** Thrown when a backend cannot be loaded, or when computing before {@link ready} resolved. */
export class GeodesicBackendError extends BackendError {
  override name = 'GeodesicBackendError';
}
