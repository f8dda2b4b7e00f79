/**
 * Typed errors of the deepigeos CLI and its data pipeline. Every message names the argument, file
 * or field at fault and what was expected, so a user can fix the problem without reading code.
 * @module
 */
import { ArgumentError, FormatError } from '@deepigeos/core';

/** A configuration file or value is invalid (unknown key, wrong type, out of range). */
export class ConfigError extends ArgumentError {
  override name = 'ConfigError';
}

/** A dataset is malformed: missing files, unpaired images/labels, mismatched shapes, bad labels. */
export class DatasetError extends FormatError {
  override name = 'DatasetError';
}

/** Wrong command-line usage: unknown command or flag, missing required flag, bad flag value. */
export class UsageError extends ArgumentError {
  override name = 'UsageError';
}

// The libraries' ShapeError (one class across pnet, crf-rnn, rnet and this CLI), so the CLI reports a bad
// shape from any layer as a usage problem rather than an internal crash.
export { ShapeError } from '@deepigeos/pnet/errors';
