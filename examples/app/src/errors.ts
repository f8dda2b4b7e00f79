/** A problem the user can act on (bad file, wrong channel count, …); its message is shown as is. */
export class AppError extends Error {
  override readonly name = 'AppError';
}
