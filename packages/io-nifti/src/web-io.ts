import { concatBytes } from './bytes.js';
import type { Deflater, Inflater } from './inflate.js';

async function* readAll(stream: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    // Stops decompression early when the caller has all the bytes it needs.
    await reader.cancel().catch(() => undefined);
  }
}

function inflateMember(compressed: Uint8Array): AsyncGenerator<Uint8Array> {
  return readAll(new Blob([compressed as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream('gzip')));
}

/**
 * Where the gzip member that produced `outputBytes` ends: the next gzip header (1F 8B 08) whose
 * preceding 4 bytes, the member's ISIZE trailer, equal the output length mod 2^32.
 */
function memberEnd(compressed: Uint8Array, start: number, outputBytes: number): number {
  const isize = outputBytes % 2 ** 32;
  for (let p = start + 18; p + 3 <= compressed.length; p++) {
    if (compressed[p] !== 0x1f || compressed[p + 1] !== 0x8b || compressed[p + 2] !== 0x08) continue;
    const trailer = (compressed[p - 4]! | (compressed[p - 3]! << 8) | (compressed[p - 2]! << 16) | (compressed[p - 1]! << 24)) >>> 0;
    if (trailer === isize) return p;
  }
  return -1;
}

/**
 * gunzip through the web platform's DecompressionStream (browsers, Deno, Node ≥ 18).
 * Chromium's DecompressionStream stops after the first gzip member ("junk after end"), so each
 * further member is located from the previous one's ISIZE trailer and inflated in turn.
 */
export const inflateWeb: Inflater = async function* (compressed) {
  let start = 0;
  while (start < compressed.length) {
    let produced = 0;
    try {
      for await (const chunk of inflateMember(compressed.subarray(start))) {
        produced += chunk.length;
        yield chunk;
      }
      return;
    } catch (err) {
      const next = memberEnd(compressed, start, produced);
      if (next < 0) throw err;
      start = next;
    }
  }
};

/** gzip through the web platform's CompressionStream (its level is fixed by the platform). */
export const deflateWeb: Deflater = async (parts) => {
  const chunks: Uint8Array[] = [];
  for await (const chunk of readAll(new Blob(parts as Uint8Array<ArrayBuffer>[]).stream().pipeThrough(new CompressionStream('gzip')))) chunks.push(chunk);
  return concatBytes(chunks);
};
