/**
 * Raised when the TensorBoard writer or the HTML report gets an invalid argument or a corrupt
 * event file. The message names the argument or byte offset and what was expected.
 */
export class ReportInputError extends Error {
  override readonly name = 'ReportInputError';
}
