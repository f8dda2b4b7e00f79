// Just enough protocol-buffer wire format to write and read TensorBoard `Event` messages.

import { ReportInputError } from './errors.js';

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_LENGTH_DELIMITED = 2;
const WIRE_FIXED32 = 5;

/** Growable byte sink for protobuf fields. */
export class ProtoWriter {
  private bytes = new Uint8Array(64);
  private length = 0;

  private reserve(n: number): void {
    if (this.length + n <= this.bytes.length) return;
    const grown = new Uint8Array(Math.max(this.bytes.length * 2, this.length + n));
    grown.set(this.bytes.subarray(0, this.length));
    this.bytes = grown;
  }

  private pushVarint(value: bigint): void {
    // int64 fields encode negatives as their 64-bit two's complement (always 10 bytes).
    let v = BigInt.asUintN(64, value);
    this.reserve(10);
    while (v >= 0x80n) {
      this.bytes[this.length++] = Number(v & 0x7fn) | 0x80;
      v >>= 7n;
    }
    this.bytes[this.length++] = Number(v);
  }

  private pushTag(field: number, wireType: number): void {
    this.pushVarint(BigInt((field << 3) | wireType));
  }

  /** Writes an `int64` field (varint). */
  int64(field: number, value: number): this {
    this.pushTag(field, WIRE_VARINT);
    this.pushVarint(BigInt(value));
    return this;
  }

  private pushFixed(field: number, wireType: number, bytes: number, write: (view: DataView, at: number) => void): this {
    this.pushTag(field, wireType);
    this.reserve(bytes);
    write(new DataView(this.bytes.buffer), this.length);
    this.length += bytes;
    return this;
  }

  /** Writes a `double` field (fixed64, little-endian IEEE 754). */
  double(field: number, value: number): this {
    return this.pushFixed(field, WIRE_FIXED64, 8, (view, at) => view.setFloat64(at, value, true));
  }

  /** Writes a `float` field (fixed32, little-endian IEEE 754 single precision). */
  float(field: number, value: number): this {
    return this.pushFixed(field, WIRE_FIXED32, 4, (view, at) => view.setFloat32(at, value, true));
  }

  /** Writes a length-delimited field: raw bytes or an embedded message. */
  bytesField(field: number, value: Uint8Array): this {
    this.pushTag(field, WIRE_LENGTH_DELIMITED);
    this.pushVarint(BigInt(value.length));
    this.reserve(value.length);
    this.bytes.set(value, this.length);
    this.length += value.length;
    return this;
  }

  /** Writes a `string` field as UTF-8. */
  string(field: number, value: string): this {
    return this.bytesField(field, new TextEncoder().encode(value));
  }

  /** The encoded message (a copy sized to its content). */
  finish(): Uint8Array {
    return this.bytes.slice(0, this.length);
  }
}

/** One decoded field: varints as bigint, fixed64/fixed32 as raw little-endian bytes views. */
export interface ProtoField {
  field: number;
  wireType: number;
  /** Set for varint fields. */
  varint?: bigint;
  /** Set for fixed64, fixed32 and length-delimited fields. */
  bytes?: Uint8Array;
}

/** Splits one protobuf message into its fields (no schema; unknown wire types are errors). */
export function readProtoFields(message: Uint8Array, what: string): ProtoField[] {
  const fields: ProtoField[] = [];
  let pos = 0;
  const readVarint = (): bigint => {
    let result = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      if (pos >= message.length) throw new ReportInputError(`${what}: truncated varint at byte ${pos}`);
      const b = message[pos++]!;
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
    }
    throw new ReportInputError(`${what}: varint longer than 10 bytes at byte ${pos}`);
  };
  const take = (n: number): Uint8Array => {
    if (pos + n > message.length) {
      throw new ReportInputError(`${what}: field needs ${n} bytes at byte ${pos}, only ${message.length - pos} left`);
    }
    const out = message.subarray(pos, pos + n);
    pos += n;
    return out;
  };
  while (pos < message.length) {
    const key = readVarint();
    const field = Number(key >> 3n);
    const wireType = Number(key & 7n);
    if (wireType === WIRE_VARINT) fields.push({ field, wireType, varint: readVarint() });
    else if (wireType === WIRE_FIXED64) fields.push({ field, wireType, bytes: take(8) });
    else if (wireType === WIRE_FIXED32) fields.push({ field, wireType, bytes: take(4) });
    else if (wireType === WIRE_LENGTH_DELIMITED) fields.push({ field, wireType, bytes: take(Number(readVarint())) });
    else throw new ReportInputError(`${what}: unsupported wire type ${wireType} for field ${field} (expected 0, 1, 2 or 5)`);
  }
  return fields;
}
