import { concatBytes } from './encode.js';
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

/** gunzip through the web platform's DecompressionStream (browsers, Deno, Node ≥ 18). */
export const inflateWeb: Inflater = (compressed) => readAll(new Blob([compressed as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream('gzip')));

/** gzip through the web platform's CompressionStream (its level is fixed by the platform). */
export const deflateWeb: Deflater = async (parts) => {
  const chunks: Uint8Array[] = [];
  for await (const chunk of readAll(new Blob(parts as Uint8Array<ArrayBuffer>[]).stream().pipeThrough(new CompressionStream('gzip')))) chunks.push(chunk);
  return concatBytes(chunks);
};
