// TFRecord framing: [uint64 length][uint32 masked crc(length)][data][uint32 masked crc(data)],
// all little-endian. TensorBoard event files are a sequence of such records.

import { crc32c, maskCrc32c } from './crc32c.js';
import { ReportInputError } from './errors.js';

const HEADER_BYTES = 12;
const FOOTER_BYTES = 4;

/** Frames one record's payload as a TFRecord (length, masked CRCs of length and payload). */
export function encodeTfRecord(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(HEADER_BYTES + data.length + FOOTER_BYTES);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(data.length), true);
  view.setUint32(8, maskCrc32c(crc32c(out.subarray(0, 8))), true);
  out.set(data, HEADER_BYTES);
  view.setUint32(HEADER_BYTES + data.length, maskCrc32c(crc32c(data)), true);
  return out;
}

/**
 * Splits a TFRecord stream into payloads, verifying both masked CRCs of every record.
 * @throws ReportInputError naming the byte offset of a truncated or corrupt record.
 */
export function decodeTfRecords(stream: Uint8Array): Uint8Array[] {
  const records: Uint8Array[] = [];
  const view = new DataView(stream.buffer, stream.byteOffset, stream.byteLength);
  let pos = 0;
  while (pos < stream.length) {
    if (pos + HEADER_BYTES > stream.length) {
      throw new ReportInputError(`TFRecord stream: truncated header at byte ${pos} (needs ${HEADER_BYTES} bytes)`);
    }
    const length = view.getBigUint64(pos, true);
    const lengthCrc = view.getUint32(pos + 8, true);
    if (maskCrc32c(crc32c(stream.subarray(pos, pos + 8))) !== lengthCrc) {
      throw new ReportInputError(`TFRecord stream: length CRC mismatch in the record at byte ${pos}`);
    }
    const end = pos + HEADER_BYTES + Number(length);
    if (end + FOOTER_BYTES > stream.length) {
      throw new ReportInputError(`TFRecord stream: record at byte ${pos} declares ${length} bytes but the stream ends first`);
    }
    const data = stream.subarray(pos + HEADER_BYTES, end);
    if (maskCrc32c(crc32c(data)) !== view.getUint32(end, true)) {
      throw new ReportInputError(`TFRecord stream: data CRC mismatch in the record at byte ${pos}`);
    }
    records.push(data);
    pos = end + FOOTER_BYTES;
  }
  return records;
}
