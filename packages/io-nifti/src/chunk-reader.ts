import { concatBytes } from './bytes.js';
import { NiftiFormatError } from './errors.js';

/**
 * Reads exact byte counts from a stream of chunks (a file or a gunzip stream), so large files
 * can be consumed piece by piece without holding them whole.
 */
export class ChunkReader {
  private readonly chunks: AsyncIterator<Uint8Array>;
  private current: Uint8Array = new Uint8Array(0);
  private pos = 0;
  private done = false;

  constructor(source: AsyncIterable<Uint8Array>) {
    this.chunks = source[Symbol.asyncIterator]();
  }

  private async refill(): Promise<boolean> {
    if (this.done) return false;
    let next: IteratorResult<Uint8Array>;
    try {
      next = await this.chunks.next();
    } catch (err) {
      throw new NiftiFormatError(`corrupt gzip data or unreadable file: ${(err as Error)?.message ?? String(err)}`);
    }
    if (next.done) {
      this.done = true;
      return false;
    }
    this.current = next.value;
    this.pos = 0;
    return true;
  }

  /** Fills `out` from the stream; returns how many bytes were available (less than out.length only at the end). */
  async readInto(out: Uint8Array): Promise<number> {
    let filled = 0;
    while (filled < out.length) {
      if (this.pos >= this.current.length && !(await this.refill())) break;
      const n = Math.min(out.length - filled, this.current.length - this.pos);
      out.set(this.current.subarray(this.pos, this.pos + n), filled);
      this.pos += n;
      filled += n;
    }
    return filled;
  }

  /** The next `n` bytes (fewer at the end of the stream). */
  async read(n: number): Promise<Uint8Array> {
    const out = new Uint8Array(n);
    return out.subarray(0, await this.readInto(out));
  }

  /** Everything left, refusing to collect more than `limit` bytes. */
  async readRest(limit: number, what: string): Promise<Uint8Array> {
    const parts: Uint8Array[] = [];
    let total = 0;
    for (;;) {
      const part = await this.read(1 << 20);
      total += part.length;
      if (total > limit) throw new NiftiFormatError(`${what} is longer than ${limit} bytes`);
      if (part.length === 0) break;
      parts.push(part);
    }
    return concatBytes(parts);
  }

  /** Stops the underlying stream. */
  async close(): Promise<void> {
    this.done = true;
    await this.chunks.return?.();
  }
}
