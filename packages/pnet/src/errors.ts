import { ArgumentError, FormatError } from '@deepigeos/core';

// The error convention shared by every @deepigeos package (families with a stable `code`).
export { ArgumentError, BackendError, DeepIGeoSError, type DeepIGeoSErrorCode, FormatError, isDeepIGeoSError } from '@deepigeos/core';

/**
 * A tensor, weight or option has the wrong shape, rank, dtype or value. The message names the
 * argument and the expected value.
 */
export class ShapeError extends ArgumentError {
  override name = 'ShapeError';
}

/**
 * A PyTorch state dict (safetensors) does not fit the model: missing, extra or mis-shaped keys,
 * or a malformed safetensors buffer. The message names the key and the expected shape.
 */
export class StateDictError extends FormatError {
  override name = 'StateDictError';
}

/**
 * A saved model (tfjs layers `model.json` + `weights.bin`) cannot be read: unreadable or
 * malformed JSON, a weights manifest of the wrong form, or a weight file of the wrong size (e.g.
 * truncated by an interrupted copy). The message names the file and what was expected.
 */
export class CheckpointError extends FormatError {
  override name = 'CheckpointError';
}

/** Formats a shape for error messages, e.g. `[N, 96, 96, 1]`. */
export function formatShape(shape: readonly (number | string | null)[]): string {
  return `[${shape.map((d) => (d === null ? '?' : String(d))).join(', ')}]`;
}
