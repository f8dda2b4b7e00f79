import { NiftiArgumentError, NiftiFormatError } from './errors.js';

/** Any typed array this package uses for voxel data. */
export type NiftiData =
  | Uint8Array
  | Int8Array
  | Uint16Array
  | Int16Array
  | Uint32Array
  | Int32Array
  | Float32Array
  | Float64Array
  | BigInt64Array
  | BigUint64Array;

/** Constructor of a {@link NiftiData} typed array. */
export type NiftiDataConstructor =
  | Uint8ArrayConstructor
  | Int8ArrayConstructor
  | Uint16ArrayConstructor
  | Int16ArrayConstructor
  | Uint32ArrayConstructor
  | Int32ArrayConstructor
  | Float32ArrayConstructor
  | Float64ArrayConstructor
  | BigInt64ArrayConstructor
  | BigUint64ArrayConstructor;

/** How one NIfTI datatype code is stored in memory. */
export interface DatatypeInfo {
  /** NIfTI datatype code (e.g. 16 for float32). */
  readonly code: number;
  /** nibabel-style name, e.g. `float32`, `complex64`, `RGB`. */
  readonly name: string;
  /** Typed array holding the values (complex and RGB: one entry per component). */
  readonly ctor: NiftiDataConstructor;
  /** Bytes of one component; also the unit swapped for big-endian files. */
  readonly componentBytes: number;
  /** Components per voxel: 2 for complex, 3 for RGB24, 4 for RGBA32, else 1. */
  readonly components: number;
}

/** NIfTI datatype codes, by nibabel's names. */
export const NiftiDatatype = {
  /** unsigned 8-bit */
  uint8: 2,
  /** signed 16-bit */
  int16: 4,
  /** signed 32-bit */
  int32: 8,
  /** 32-bit float */
  float32: 16,
  /** two float32 (re, im) */
  complex64: 32,
  /** 64-bit float */
  float64: 64,
  /** 3 bytes per voxel */
  rgb24: 128,
  /** signed 8-bit */
  int8: 256,
  /** unsigned 16-bit */
  uint16: 512,
  /** unsigned 32-bit */
  uint32: 768,
  /** signed 64-bit */
  int64: 1024,
  /** unsigned 64-bit */
  uint64: 1280,
  /** two float64 (re, im) */
  complex128: 1792,
  /** 4 bytes per voxel */
  rgba32: 2304,
} as const;

const TABLE: readonly DatatypeInfo[] = [
  { code: 2, name: 'uint8', ctor: Uint8Array, componentBytes: 1, components: 1 },
  { code: 4, name: 'int16', ctor: Int16Array, componentBytes: 2, components: 1 },
  { code: 8, name: 'int32', ctor: Int32Array, componentBytes: 4, components: 1 },
  { code: 16, name: 'float32', ctor: Float32Array, componentBytes: 4, components: 1 },
  { code: 32, name: 'complex64', ctor: Float32Array, componentBytes: 4, components: 2 },
  { code: 64, name: 'float64', ctor: Float64Array, componentBytes: 8, components: 1 },
  { code: 128, name: 'RGB', ctor: Uint8Array, componentBytes: 1, components: 3 },
  { code: 256, name: 'int8', ctor: Int8Array, componentBytes: 1, components: 1 },
  { code: 512, name: 'uint16', ctor: Uint16Array, componentBytes: 2, components: 1 },
  { code: 768, name: 'uint32', ctor: Uint32Array, componentBytes: 4, components: 1 },
  { code: 1024, name: 'int64', ctor: BigInt64Array, componentBytes: 8, components: 1 },
  { code: 1280, name: 'uint64', ctor: BigUint64Array, componentBytes: 8, components: 1 },
  { code: 1792, name: 'complex128', ctor: Float64Array, componentBytes: 8, components: 2 },
  { code: 2304, name: 'RGBA', ctor: Uint8Array, componentBytes: 1, components: 4 },
];

const BY_CODE = new Map(TABLE.map((info) => [info.code, info]));

// Codes defined by the standard that have no JavaScript typed array.
const UNSUPPORTED: Record<number, string> = {
  1: 'binary (1 bit)',
  1536: 'float128',
  2048: 'complex256',
};

/**
 * Storage details of a NIfTI datatype code.
 * @throws {@link NiftiFormatError} for unknown codes and codes JavaScript cannot represent
 *   (binary, float128, complex256).
 */
export function datatypeInfo(code: number): DatatypeInfo {
  const info = BY_CODE.get(code);
  if (info) return info;
  const unsupported = UNSUPPORTED[code];
  if (unsupported) throw new NiftiFormatError(`datatype ${code} (${unsupported}) is not supported: no JavaScript typed array holds it`);
  throw new NiftiFormatError(`datatype ${code} is not a NIfTI datatype code; expected one of ${TABLE.map((d) => d.code).join(', ')}`);
}

/** True when a datatype holds one real number per voxel (not complex, not RGB). */
export function isScalarDatatype(info: DatatypeInfo): boolean {
  return info.components === 1;
}

/** Bytes per voxel of a datatype (components × component bytes). */
export function bytesPerVoxel(info: DatatypeInfo): number {
  return info.components * info.componentBytes;
}

/**
 * The scalar datatype code matching a typed array, for building images from plain arrays.
 * @throws {@link NiftiArgumentError} when the array is not a supported typed array.
 */
export function datatypeOfArray(data: NiftiData): number {
  for (const info of TABLE) {
    if (info.components === 1 && data instanceof info.ctor) return info.code;
  }
  throw new NiftiArgumentError(`data must be a typed array (Uint8Array … Float64Array, BigInt64Array, BigUint64Array), got ${Object.prototype.toString.call(data)}`);
}
