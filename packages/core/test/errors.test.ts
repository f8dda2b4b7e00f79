import { describe, expect, it } from 'vitest';
import { ArgumentError, BackendError, CancelledError, DeepIGeoSError, FormatError, isDeepIGeoSError, StateError } from '../src/index.js';

describe('error convention', () => {
  it('gives each family its code, the concrete class name and the cause', () => {
    const cause = new Error('disk');
    const cases = [
      [new ArgumentError('a'), 'ERR_DEEPIGEOS_ARGUMENT', 'ArgumentError'],
      [new FormatError('f', { cause }), 'ERR_DEEPIGEOS_FORMAT', 'FormatError'],
      [new BackendError('b'), 'ERR_DEEPIGEOS_BACKEND', 'BackendError'],
      [new StateError('s'), 'ERR_DEEPIGEOS_STATE', 'StateError'],
      [new CancelledError('c'), 'ERR_DEEPIGEOS_CANCELLED', 'CancelledError'],
    ] as const;
    for (const [error, code, name] of cases) {
      expect(error).toBeInstanceOf(DeepIGeoSError);
      expect(error).toBeInstanceOf(Error);
      expect(error.code).toBe(code);
      expect(error.name).toBe(name);
      expect(String(error)).toBe(`${name}: ${error.message}`);
    }
    expect(cases[1][0].cause).toBe(cause);
  });

  it('names subclasses after themselves and keeps the family', () => {
    class NiftiLikeError extends FormatError {
      override name = 'NiftiLikeError';
    }
    const error = new NiftiLikeError('bad header');
    expect(error.name).toBe('NiftiLikeError');
    expect(error).toBeInstanceOf(FormatError);
    expect(isDeepIGeoSError(error, 'ERR_DEEPIGEOS_FORMAT')).toBe(true);
    expect(isDeepIGeoSError(error, 'ERR_DEEPIGEOS_ARGUMENT')).toBe(false);
  });

  it('recognises errors of another installed copy by code, and nothing else', () => {
    const foreign = Object.assign(new Error('from another copy'), { code: 'ERR_DEEPIGEOS_STATE' });
    expect(isDeepIGeoSError(foreign)).toBe(true);
    expect(isDeepIGeoSError(foreign, 'ERR_DEEPIGEOS_STATE')).toBe(true);
    expect(isDeepIGeoSError(Object.assign(new Error('fs'), { code: 'ENOENT' }))).toBe(false);
    expect(isDeepIGeoSError({ code: 'ERR_DEEPIGEOS_STATE', message: 'not an Error' })).toBe(false);
    expect(isDeepIGeoSError(new TypeError('plain'))).toBe(false);
    expect(isDeepIGeoSError(undefined)).toBe(false);
  });
});
