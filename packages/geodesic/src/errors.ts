/** Thrown for arguments of the wrong type (e.g. `image` not a Float32Array). */
export class GeodesicTypeError extends TypeError {
  /** Name of the offending argument or option, e.g. `'seeds'` or `'options.spacing'`. */
  readonly argument: string;

  constructor(argument: string, message: string) {
    super(`${argument}: ${message}`);
    this.name = 'GeodesicTypeError';
    this.argument = argument;
  }
}

/** Thrown for values out of range: shape/length mismatch, spacing ≤ 0, λ ∉ [0, 1], NaN pixels, … */
export class GeodesicRangeError extends RangeError {
  /** Name of the offending argument or option, e.g. `'shape'` or `'options.lambda'`. */
  readonly argument: string;

  constructor(argument: string, message: string) {
    super(`${argument}: ${message}`);
    this.name = 'GeodesicRangeError';
    this.argument = argument;
  }
}

/** Thrown when a backend cannot be loaded, or when computing before {@link ready} resolved. */
export class GeodesicBackendError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'GeodesicBackendError';
  }
}
