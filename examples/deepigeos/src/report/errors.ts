import { ArgumentError } from '@deepigeos/core';

/**
 * Raised when the TensorBoard writer or the HTML report gets an invalid argument or a corrupt
 * event file. The message names the argument or byte offset and what was expected.
 */
export class ReportInputError extends ArgumentError {
  override name = 'ReportInputError';
}
