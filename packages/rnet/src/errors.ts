/**
 * Typed errors thrown by `@deepigeos/rnet`. Every message names the offending argument or field
 * and the value that was expected, so callers can fix their input without reading the source.
 */

// One ShapeError class for the whole pipeline: users catch the same class whether the bad shape
// reached rnet, the CRF layers or P-Net.
export { ShapeError } from '@deepigeos/pnet/errors';

/** Seeds are malformed or lie outside the image. */
export class SeedError extends Error {
  /** Always `'SeedError'`. */
  override readonly name = 'SeedError';
}

/** An option has an invalid value (wrong type, out of range, unknown mode). */
export class OptionError extends Error {
  /** Always `'OptionError'`. */
  override readonly name = 'OptionError';
}

/** An {@link InteractiveSession} method was called in a state where it cannot run. */
export class SessionStateError extends Error {
  /** Always `'SessionStateError'`. */
  override readonly name = 'SessionStateError';
}
