// TensorBoard `Event` protos (tensorflow/core/util/event.proto) restricted to what training logs
// need: the file-version header and scalar summaries (Summary.Value.simple_value).

import { ReportInputError } from './errors.js';
import { ProtoWriter, readProtoFields } from './protobuf.js';

// Field numbers from event.proto / summary.proto.
const EVENT_WALL_TIME = 1;
const EVENT_STEP = 2;
const EVENT_FILE_VERSION = 3;
const EVENT_SUMMARY = 5;
const SUMMARY_VALUE = 1;
const VALUE_TAG = 1;
const VALUE_SIMPLE_VALUE = 2;

/** The header TensorBoard expects as the first event of every file. */
export const EVENT_FILE_VERSION_STRING = 'brain.Event:2';

/** A decoded event: either the file header or a set of scalar values at one step. */
export interface ScalarEvent {
  /** Seconds since the Unix epoch. */
  wallTime: number;
  step: number;
  /** Present on the header event only. */
  fileVersion?: string;
  /** Scalar values by tag (float32 precision, as stored). */
  scalars: Record<string, number>;
}

/** Encodes the `Event{wall_time, file_version}` header record's payload. */
export function encodeFileVersionEvent(wallTime: number): Uint8Array {
  return new ProtoWriter()
    .double(EVENT_WALL_TIME, wallTime)
    .string(EVENT_FILE_VERSION, EVENT_FILE_VERSION_STRING)
    .finish();
}

/**
 * Encodes an `Event{wall_time, step, summary{value: [{tag, simple_value}...]}}` payload.
 * Values are stored as float32, as TensorBoard's scalar summaries are.
 * @throws ReportInputError if a tag is empty, a value is not a number or step is not an integer.
 */
export function encodeScalarEvent(wallTime: number, step: number, scalars: Readonly<Record<string, number>>): Uint8Array {
  if (!Number.isFinite(wallTime)) throw new ReportInputError(`wallTime must be a finite number of seconds, got ${wallTime}`);
  if (!Number.isSafeInteger(step)) throw new ReportInputError(`step must be a safe integer, got ${step}`);
  const summary = new ProtoWriter();
  for (const [tag, value] of Object.entries(scalars)) {
    if (tag.length === 0) throw new ReportInputError('scalar tag must be a non-empty string');
    if (typeof value !== 'number') {
      throw new ReportInputError(`scalar "${tag}" must be a number, got ${typeof value}`);
    }
    summary.bytesField(SUMMARY_VALUE, new ProtoWriter().string(VALUE_TAG, tag).float(VALUE_SIMPLE_VALUE, value).finish());
  }
  return new ProtoWriter()
    .double(EVENT_WALL_TIME, wallTime)
    .int64(EVENT_STEP, step)
    .bytesField(EVENT_SUMMARY, summary.finish())
    .finish();
}

function littleEndian(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * Decodes an `Event` payload written by this module or by TensorFlow/PyTorch (other event kinds
 * decode with no scalars; non-scalar summary values are skipped).
 */
export function decodeEvent(payload: Uint8Array): ScalarEvent {
  const event: ScalarEvent = { wallTime: 0, step: 0, scalars: {} };
  for (const f of readProtoFields(payload, 'Event')) {
    if (f.field === EVENT_WALL_TIME && f.bytes?.length === 8) event.wallTime = littleEndian(f.bytes).getFloat64(0, true);
    else if (f.field === EVENT_STEP && f.varint !== undefined) event.step = Number(BigInt.asIntN(64, f.varint));
    else if (f.field === EVENT_FILE_VERSION && f.bytes) event.fileVersion = new TextDecoder().decode(f.bytes);
    else if (f.field === EVENT_SUMMARY && f.bytes) {
      for (const v of readProtoFields(f.bytes, 'Summary')) {
        if (v.field !== SUMMARY_VALUE || !v.bytes) continue;
        let tag: string | undefined;
        let value: number | undefined;
        for (const g of readProtoFields(v.bytes, 'Summary.Value')) {
          if (g.field === VALUE_TAG && g.bytes) tag = new TextDecoder().decode(g.bytes);
          else if (g.field === VALUE_SIMPLE_VALUE && g.bytes?.length === 4) value = littleEndian(g.bytes).getFloat32(0, true);
        }
        if (tag !== undefined && value !== undefined) event.scalars[tag] = value;
      }
    }
  }
  return event;
}
