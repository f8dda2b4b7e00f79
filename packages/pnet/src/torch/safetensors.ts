import { StateDictError } from '../errors.js';

/** One tensor read from or written to a safetensors buffer (float32 values, row-major). */
export interface NamedTensor {
  shape: number[];
  data: Float32Array;
}

interface HeaderEntry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

const BYTES: Record<string, number> = { F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1 };

/**
 * Parses a safetensors buffer (8-byte little-endian header length, JSON header, raw data).
 * Floating-point tensors (F32, F64, F16, BF16) are returned as float32; integer tensors (e.g.
 * BatchNorm's `num_batches_tracked`) are listed in `ignored` and skipped.
 */
export function readSafetensors(bytes: Uint8Array): { tensors: Map<string, NamedTensor>; ignored: string[] } {
  if (!(bytes instanceof Uint8Array)) throw new StateDictError('safetensors: expected a Uint8Array');
  if (bytes.byteLength < 8) throw new StateDictError(`safetensors: buffer of ${bytes.byteLength} bytes is too short for a header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  if (headerLength > bytes.byteLength - 8) {
    throw new StateDictError(`safetensors: header length ${headerLength} exceeds the buffer (${bytes.byteLength} bytes)`);
  }
  let header: Record<string, HeaderEntry | Record<string, string>>;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength)));
  } catch (e) {
    throw new StateDictError(`safetensors: header is not valid JSON (${(e as Error).message})`);
  }
  const dataStart = 8 + headerLength;
  const tensors = new Map<string, NamedTensor>();
  const ignored: string[] = [];
  if (header === null || typeof header !== 'object' || Array.isArray(header)) throw new StateDictError('safetensors: header must be a JSON object');
  for (const [key, raw] of Object.entries(header)) {
    if (key === '__metadata__') continue;
    const entry = checkedEntry(key, raw);
    const width = BYTES[entry.dtype];
    if (width === undefined) throw new StateDictError(`safetensors: tensor '${key}' has unsupported dtype '${entry.dtype}'`);
    const count = entry.shape.reduce((a, b) => a * b, 1);
    const [begin, end] = entry.data_offsets;
    if (end - begin !== count * width || dataStart + end > bytes.byteLength) {
      throw new StateDictError(`safetensors: tensor '${key}' data_offsets [${begin}, ${end}] do not match shape [${entry.shape}] × ${entry.dtype}`);
    }
    const data = decodeFloats(bytes.subarray(dataStart + begin, dataStart + end), entry.dtype, count);
    if (data === undefined) ignored.push(key);
    else tensors.set(key, { shape: entry.shape, data });
  }
  return { tensors, ignored };
}

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/** A header entry with its fields checked: a dtype string, a shape of counts, and 0 ≤ begin ≤ end offsets. */
function checkedEntry(key: string, raw: unknown): HeaderEntry {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new StateDictError(`safetensors: tensor '${key}' must be a JSON object`);
  const { dtype, shape, data_offsets: offsets } = raw as Record<string, unknown>;
  if (typeof dtype !== 'string') throw new StateDictError(`safetensors: tensor '${key}' dtype must be a string, got ${JSON.stringify(dtype)}`);
  if (!Array.isArray(shape) || !shape.every(isCount)) {
    throw new StateDictError(`safetensors: tensor '${key}' shape must be an array of non-negative integers, got ${JSON.stringify(shape)}`);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount) || offsets[0] > offsets[1]) {
    throw new StateDictError(`safetensors: tensor '${key}' data_offsets must be [begin, end] with 0 ≤ begin ≤ end, got ${JSON.stringify(offsets)}`);
  }
  return { dtype, shape, data_offsets: [offsets[0], offsets[1]] };
}

function decodeFloats(raw: Uint8Array, dtype: string, count: number): Float32Array | undefined {
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const out = new Float32Array(count);
  switch (dtype) {
    case 'F32':
      for (let i = 0; i < count; i++) out[i] = view.getFloat32(i * 4, true);
      return out;
    case 'F64':
      for (let i = 0; i < count; i++) out[i] = view.getFloat64(i * 8, true);
      return out;
    case 'F16':
      for (let i = 0; i < count; i++) out[i] = halfToFloat(view.getUint16(i * 2, true));
      return out;
    case 'BF16':
      for (let i = 0; i < count; i++) out[i] = bf16ToFloat(view.getUint16(i * 2, true));
      return out;
    default:
      return undefined;
  }
}

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 31) return fraction ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}

function bf16ToFloat(b: number): number {
  const view = new DataView(new ArrayBuffer(4));
  view.setUint32(0, b << 16);
  return view.getFloat32(0);
}

/**
 * Writes float32 tensors as a safetensors buffer, in the given key order, header padded with
 * spaces to an 8-byte boundary (as the reference implementation does).
 */
export function writeSafetensors(tensors: ReadonlyMap<string, NamedTensor>, metadata?: Record<string, string>): Uint8Array {
  const header: Record<string, unknown> = {};
  if (metadata !== undefined) header['__metadata__'] = metadata;
  let offset = 0;
  for (const [key, t] of tensors) {
    const size = t.data.length * 4;
    header[key] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + size] };
    offset += size;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const headerBytes = new Uint8Array(json.length + ((8 - (json.length % 8)) % 8)).fill(0x20);
  headerBytes.set(json);
  const out = new Uint8Array(8 + headerBytes.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let at = 8 + headerBytes.length;
  for (const t of tensors.values()) {
    const chunk = new DataView(out.buffer, at, t.data.length * 4);
    for (let i = 0; i < t.data.length; i++) chunk.setFloat32(i * 4, t.data[i]!, true);
    at += t.data.length * 4;
  }
  return out;
}
