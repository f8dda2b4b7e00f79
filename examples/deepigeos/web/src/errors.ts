/** Raised by the web app's logic for invalid arguments (plane names, slice indices, shapes). */
export class ViewerInputError extends Error {
  override readonly name = 'ViewerInputError';
}
