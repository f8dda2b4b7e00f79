import { ArgumentError, FormatError } from '@deepigeos/core';

// The error convention shared by every @deepigeos package (families with a stable `code`).
export { ArgumentError, DeepIGeoSError, type DeepIGeoSErrorCode, FormatError, isDeepIGeoSError } from '@deepigeos/core';

/**
 * Thrown when bytes are not a readable NIfTI file: truncated data, bad header fields, corrupt
 * gzip, unsupported datatypes or volumes too large to hold in memory. The message names the
 * field and the expected value.
 */
export class NiftiFormatError extends FormatError {
  /** Always `NiftiFormatError`. */
  override name = 'NiftiFormatError';
}

/**
 * Thrown when a function of this package is called with an invalid argument (for example an
 * image whose data length does not match its dims). The message names the argument.
 */
export class NiftiArgumentError extends ArgumentError {
  /** Always `NiftiArgumentError`. */
  override name = 'NiftiArgumentError';
}
