// One ShapeError class for the whole pipeline (P-Net, the CRFs, R-Net): users catch the same
// class wherever a bad shape is found. The `errors` subpath registers no tfjs backend.
export { ShapeError } from '@deepigeos/pnet/errors';

// Invalid option values and non-finite input data (NaN, ±Infinity) raise the convention's
// ArgumentError; the message names the option or argument and the expected value.
import { ArgumentError } from '@deepigeos/core';

export { ArgumentError, BackendError, DeepIGeoSError, type DeepIGeoSErrorCode, isDeepIGeoSError } from '@deepigeos/core';

/** Throws {@link ArgumentError} unless `value` is a finite number greater than zero. */
export function requirePositive(name: string, value: number): void {
  if (!(Number.isFinite(value) && value > 0)) {
    throw new ArgumentError(`${name} must be a finite number > 0, got ${value}`);
  }
}

/** Throws {@link ArgumentError} unless `value` is an integer >= `min`. */
export function requireInteger(name: string, value: number, min: number): void {
  if (!(Number.isInteger(value) && value >= min)) {
    throw new ArgumentError(`${name} must be an integer >= ${min}, got ${value}`);
  }
}

/** Throws {@link ArgumentError} naming `name` and the first bad index if `data` holds NaN or ±Infinity. */
export function requireFinite(name: string, data: ArrayLike<number>): void {
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i]!)) {
      throw new ArgumentError(`${name} must hold only finite values; found ${data[i]} at flat index ${i}`);
    }
  }
}
