// Received bytes kept as the list of chunks they arrived in; consumes exactly n bytes at a time
// instead of concatenating every read into one growing buffer (as ws's receiver does).

export class ChunkList {
  private chunks: Buffer[] = [];
  private total = 0;

  get length(): number {
    return this.total;
  }

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.total += chunk.length;
  }

  /** Byte at `index` from the front, or -1 past the end. */
  byteAt(index: number): number {
    let i = index;
    for (const chunk of this.chunks) {
      if (i < chunk.length) return chunk[i] as number;
      i -= chunk.length;
    }
    return -1;
  }

  /** Whether the buffered bytes at `offset` equal `expected` (false if not all there yet). */
  matches(offset: number, expected: Buffer): boolean {
    if (offset + expected.length > this.total) return false;
    for (let i = 0; i < expected.length; i++) {
      if (this.byteAt(offset + i) !== expected[i]) return false;
    }
    return true;
  }

  /** Index of the first `byte` at or after `from`, or -1. */
  indexOfByte(byte: number, from = 0): number {
    let base = 0;
    for (const chunk of this.chunks) {
      if (from < base + chunk.length) {
        const found = chunk.indexOf(byte, Math.max(0, from - base));
        if (found !== -1) return base + found;
      }
      base += chunk.length;
    }
    return -1;
  }

  /** Removes and returns the first `n` bytes (n <= length), copying only when they span chunks. */
  consume(n: number): Buffer {
    if (n > this.total) throw new RangeError(`cannot consume ${n} bytes; only ${this.total} are buffered`);
    this.total -= n;
    const first = this.chunks[0];
    if (first && n <= first.length) {
      if (n === first.length) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
      return first.subarray(0, n);
    }
    const out = Buffer.allocUnsafe(n);
    let written = 0;
    while (written < n) {
      const chunk = this.chunks[0] as Buffer;
      const take = Math.min(chunk.length, n - written);
      chunk.copy(out, written, 0, take);
      written += take;
      if (take === chunk.length) this.chunks.shift();
      else this.chunks[0] = chunk.subarray(take);
    }
    return out;
  }

  /** Drops the first `n` bytes without copying them. */
  skip(n: number): void {
    let left = Math.min(n, this.total);
    this.total -= left;
    while (left > 0) {
      const chunk = this.chunks[0] as Buffer;
      if (chunk.length <= left) {
        left -= chunk.length;
        this.chunks.shift();
      } else {
        this.chunks[0] = chunk.subarray(left);
        left = 0;
      }
    }
  }

  /** Reads a big-endian unsigned 32-bit integer at `offset` (which must be buffered). */
  readUInt32BE(offset: number): number {
    return ((this.byteAt(offset) << 24) >>> 0) + (this.byteAt(offset + 1) << 16) + (this.byteAt(offset + 2) << 8) + this.byteAt(offset + 3);
  }
}
