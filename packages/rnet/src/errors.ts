/**
 * Typed errors thrown by `@deepigeos/rnet`. Every message names the offending argument or field
 * and the value that was expected, so callers can fix their input without reading the source.
 */

// One ShapeError class for the whole pipeline: users catch the same class whether the bad shape
// reached rnet, the CRF layers or P-Net.
export { ShapeError } from '@deepigeos/pnet/errors';

import { ArgumentError, StateError } from '@deepigeos/core';

// The error convention shared by every @deepigeos package (families with a stable `code`).
export { ArgumentError, CancelledError, DeepIGeoSError, type DeepIGeoSErrorCode, isDeepIGeoSError, StateError } from '@deepigeos/core';

/** Seeds are malformed or lie outside the image. */
export class SeedError extends ArgumentError {
  /** Always `'SeedError'`. */
  override name = 'SeedError';
}

/** An option has an invalid value (wrong type, out of range, unknown mode). An {@link ArgumentError}. */
export class OptionError extends ArgumentError {
  /** Always `'OptionError'`. */
  override name = 'OptionError';
}

/** An {@link InteractiveSession} method was called in a state where it cannot run. */
export class SessionStateError extends StateError {
  /** Always `'SessionStateError'`. */
  override name = 'SessionStateError';
}
