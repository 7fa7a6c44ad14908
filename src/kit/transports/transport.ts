// How a driver talks to its instrument, whatever is in between (VISA, a LAN socket, a Prologix
// adapter, a serial line, a simulator in the same process).

export type TransportErrorCode = 'timeout' | 'io' | 'closed' | 'not-found';

/** A transport failure: `code` says what kind, `resource` which instrument, the message what happened. */
export class TransportError extends Error {
  constructor(
    readonly code: TransportErrorCode,
    readonly resource: string,
    message: string,
  ) {
    super(`${resource}: ${message}`);
    this.name = 'TransportError';
  }
}

export interface ReadOptions {
  /** Read up to and including this terminator (default "\n"); the terminator is removed. */
  terminator?: string;
  /** Read exactly this many bytes instead of up to a terminator. */
  bytes?: number;
  /** Per-call timeout in clock ms (the transport's default otherwise). */
  timeoutMs?: number;
  /**
   * For query(): called when the command has really gone out, after waiting for the bus. A
   * voltmeter stamps its integration window from this, not from when it asked.
   */
  onSent?: () => void;
}

export interface Transport {
  /** The resource string it was made from, e.g. `GPIB0::20::INSTR`. */
  readonly resource: string;
  open(): Promise<void>;
  close(): Promise<void>;
  /** Sends bytes as they are: a command's terminator is the caller's to add. */
  write(data: string | Buffer, timeoutMs?: number): Promise<void>;
  read(options?: ReadOptions): Promise<Buffer>;
  /** Writes `command` plus the write terminator and reads one answer (terminator removed, trimmed). */
  query(command: string, options?: ReadOptions): Promise<string>;
  /** Discards whatever the instrument has queued for us (VISA's viClear, a device clear). */
  clear(): Promise<void>;
}

/** One transaction at a time: a query's write and read must not interleave with another's. */
export class TransactionLock {
  private tail: Promise<void> = Promise.resolve();

  run<T>(work: () => Promise<T>): Promise<T> {
    const result = this.tail.then(work, work);
    this.tail = result.then(
      () => {},
      () => {},
    );
    return result;
  }
}
