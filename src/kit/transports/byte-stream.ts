// The reading side shared by byte-stream transports (socket, serial, in-process sims): received
// bytes wait in a chunk list until a read takes them up to a terminator or a byte count.

import type { Clock } from '../clock/clock.js';
import { ChunkList } from '../protocol/chunk-list.js';
import { TransportError } from './transport.js';

interface PendingRead {
  terminator: Buffer | null;
  bytes: number | null;
  resolve: (data: Buffer) => void;
  reject: (err: Error) => void;
  timer: unknown;
}

export class ByteStreamReader {
  private readonly buffer = new ChunkList();
  private pending: PendingRead | null = null;
  private failure: TransportError | null = null;
  private terminatorText = '\n';
  private terminator = Buffer.from('\n', 'latin1');

  constructor(
    private readonly resource: string,
    private readonly clock: Clock,
    /** Bytes held before the instrument is taken to be babbling; guards memory. */
    private readonly maxBuffered = 1024 * 1024,
  ) {}

  /** Bytes arrived from the instrument. */
  push(chunk: Buffer): void {
    this.buffer.push(chunk);
    if (this.buffer.length > this.maxBuffered) {
      this.buffer.skip(this.buffer.length);
      this.fail(new TransportError('io', this.resource, `more than ${this.maxBuffered} bytes arrived unread; the input was discarded`));
      return;
    }
    this.satisfy();
  }

  /** The connection ended: the read in progress, and every later one, fails with `err`. */
  fail(err: TransportError): void {
    this.failure = err;
    const p = this.pending;
    if (p) {
      this.pending = null;
      this.clock.clearTimeout(p.timer);
      p.reject(err);
    }
  }

  /** A fresh connection: forget the old failure and any stale bytes. */
  reset(): void {
    this.failure = null;
    this.buffer.skip(this.buffer.length);
  }

  /** Drops whatever arrived but was not read. */
  discard(): void {
    this.buffer.skip(this.buffer.length);
  }

  read(options: { terminator?: string; bytes?: number }, timeoutMs: number): Promise<Buffer> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.pending) return Promise.reject(new TransportError('io', this.resource, 'a read is already in progress'));
    return new Promise((resolve, reject) => {
      const pending: PendingRead = {
        terminator: options.bytes !== undefined ? null : this.terminatorBytes(options.terminator ?? '\n'),
        bytes: options.bytes ?? null,
        resolve,
        reject,
        timer: null,
      };
      this.pending = pending;
      this.satisfy();
      // An answer already here needs no deadline.
      if (this.pending !== pending) return;
      pending.timer = this.clock.setDeadline(() => {
        if (this.pending === pending) this.pending = null;
        const what = options.bytes !== undefined ? `${options.bytes} bytes` : `answer ending in ${JSON.stringify(options.terminator ?? '\n')}`;
        reject(new TransportError('timeout', this.resource, `no ${what} within ${timeoutMs} ms`));
      }, timeoutMs);
    });
  }

  /** The terminator's bytes, made once per terminator rather than once per read. */
  private terminatorBytes(text: string): Buffer {
    if (text !== this.terminatorText) {
      this.terminatorText = text;
      this.terminator = Buffer.from(text, 'latin1');
    }
    return this.terminator;
  }

  private satisfy(): void {
    const p = this.pending;
    if (!p) return;
    let data: Buffer | null = null;
    if (p.bytes !== null) {
      if (this.buffer.length >= p.bytes) data = this.buffer.consume(p.bytes);
    } else {
      const end = this.indexOf(p.terminator!);
      if (end !== -1) {
        data = Buffer.from(this.buffer.consume(end));
        this.buffer.skip(p.terminator!.length);
      }
    }
    if (data === null) return;
    this.pending = null;
    this.clock.clearTimeout(p.timer);
    p.resolve(data);
  }

  private indexOf(terminator: Buffer): number {
    let from = 0;
    for (;;) {
      const at = this.buffer.indexOfByte(terminator[0]!, from);
      if (at === -1) return -1;
      if (this.buffer.matches(at, terminator)) return at;
      from = at + 1;
    }
  }
}
