/**
 * A tensor, weight or option has the wrong shape, rank, dtype or value. The message names the
 * argument and the expected value.
 */
export class ShapeError extends Error {
  override name = 'ShapeError';
}

/**
 * A PyTorch state dict (safetensors) does not fit the model: missing, extra or mis-shaped keys,
 * or a malformed safetensors buffer. The message names the key and the expected shape.
 */
export class StateDictError extends Error {
  override name = 'StateDictError';
}

/**
 * A saved model (tfjs layers `model.json` + `weights.bin`) cannot be read: unreadable or
 * malformed JSON, a weights manifest of the wrong form, or a weight file of the wrong size (e.g.
 * truncated by an interrupted copy). The message names the file and what was expected.
 */
export class CheckpointError extends Error {
  override name = 'CheckpointError';
}

/** A requested tfjs backend is unknown or failed to initialise. */
export class BackendError extends Error {
  override name = 'BackendError';
}

/** Formats a shape for error messages, e.g. `[N, 96, 96, 1]`. */
export function formatShape(shape: readonly (number | string | null)[]): string {
  return `[${shape.map((d) => (d === null ? '?' : String(d))).join(', ')}]`;
}
