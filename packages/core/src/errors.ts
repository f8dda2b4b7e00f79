/**
 * The error convention of every `@deepigeos/*` package. Each package throws subclasses of the
 * classes below (with its own names where that helps, e.g. `NiftiFormatError extends FormatError`),
 * so a caller can handle a whole family with one `instanceof` check, whichever package raised it:
 *
 * | class | code | meaning |
 * | --- | --- | --- |
 * | {@link ArgumentError} | `ERR_DEEPIGEOS_ARGUMENT` | the caller passed something wrong: type, shape, range, NaN, unknown option |
 * | {@link FormatError} | `ERR_DEEPIGEOS_FORMAT` | input data (a file, bytes, JSON) is malformed or over a limit |
 * | {@link BackendError} | `ERR_DEEPIGEOS_BACKEND` | the runtime cannot do the work: backend, addon, WebAssembly memory, worker |
 * | {@link StateError} | `ERR_DEEPIGEOS_STATE` | a method was called in a state where it cannot run |
 * | {@link CancelledError} | `ERR_DEEPIGEOS_CANCELLED` | the caller cancelled the work (an `AbortSignal`) |
 *
 * Messages name the argument, field or file at fault and the value that was expected. Where two
 * copies of this package are installed side by side, `instanceof` can miss: {@link isDeepIGeoSError}
 * and the `code` property work across copies.
 * @module
 */

/** The `code` of each error family. */
export type DeepIGeoSErrorCode =
  | 'ERR_DEEPIGEOS_ARGUMENT'
  | 'ERR_DEEPIGEOS_FORMAT'
  | 'ERR_DEEPIGEOS_BACKEND'
  | 'ERR_DEEPIGEOS_STATE'
  | 'ERR_DEEPIGEOS_CANCELLED';

/** Base class of every error thrown on purpose by a `@deepigeos/*` package. */
export abstract class DeepIGeoSError extends Error {
  /** Stable machine-readable family code, e.g. `'ERR_DEEPIGEOS_ARGUMENT'`. */
  abstract readonly code: DeepIGeoSErrorCode;

  /**
   * @param message - names the argument, field or file at fault and what was expected
   * @param options - `cause`: the underlying error, if any
   */
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** An argument or option has the wrong type, shape, range or value (NaN included). */
export class ArgumentError extends DeepIGeoSError {
  readonly code = 'ERR_DEEPIGEOS_ARGUMENT' as const;
}

/** Input data (a file, a byte buffer, a JSON document) is malformed, truncated or over a limit. */
export class FormatError extends DeepIGeoSError {
  readonly code = 'ERR_DEEPIGEOS_FORMAT' as const;
}

/** The runtime cannot do the work: a backend, addon, WebAssembly memory or worker failed. */
export class BackendError extends DeepIGeoSError {
  readonly code = 'ERR_DEEPIGEOS_BACKEND' as const;
}

/** A method was called in a state where it cannot run (e.g. refine before segment). */
export class StateError extends DeepIGeoSError {
  readonly code = 'ERR_DEEPIGEOS_STATE' as const;
}

/** The caller cancelled the work, e.g. through an `AbortSignal`. */
export class CancelledError extends DeepIGeoSError {
  readonly code = 'ERR_DEEPIGEOS_CANCELLED' as const;
}

// `name` lives on each prototype (not in `new.target.name`, which minifiers rename in browser
// bundles); subclasses in the packages declare their own, e.g. `override name = 'NiftiFormatError'`.
for (const [cls, name] of [
  [DeepIGeoSError, 'DeepIGeoSError'],
  [ArgumentError, 'ArgumentError'],
  [FormatError, 'FormatError'],
  [BackendError, 'BackendError'],
  [StateError, 'StateError'],
  [CancelledError, 'CancelledError'],
] as const) {
  Object.defineProperty(cls.prototype, 'name', { value: name, writable: true, configurable: true });
}

const codes: ReadonlySet<string> = new Set<DeepIGeoSErrorCode>([
  'ERR_DEEPIGEOS_ARGUMENT',
  'ERR_DEEPIGEOS_FORMAT',
  'ERR_DEEPIGEOS_BACKEND',
  'ERR_DEEPIGEOS_STATE',
  'ERR_DEEPIGEOS_CANCELLED',
]);

/**
 * Whether `error` was thrown on purpose by a `@deepigeos/*` package (optionally of one family),
 * judged by its `code`, so it also holds for errors from another installed copy of this package.
 *
 * @example
 * ```ts
 * try { parse(); } catch (e) { if (isDeepIGeoSError(e, 'ERR_DEEPIGEOS_FORMAT')) showUser(e.message); else throw e; }
 * ```
 */
export function isDeepIGeoSError(error: unknown, code?: DeepIGeoSErrorCode): error is DeepIGeoSError {
  if (!(error instanceof Error)) return false;
  const actual = (error as { code?: unknown }).code;
  return typeof actual === 'string' && codes.has(actual) && (code === undefined || actual === code);
}
