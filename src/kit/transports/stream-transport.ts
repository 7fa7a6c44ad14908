// What every byte-stream transport shares: open once, reopen after a loss, one transaction at a
// time, per-call timeouts on the program's clock. Subclasses only connect, send and disconnect.

import type { Clock } from '../clock/clock.js';
import { ByteStreamReader } from './byte-stream.js';
import { TransactionLock, TransportError, type ReadOptions, type Transport } from './transport.js';

export interface StreamOptions {
  /** Default per-call timeout, clock ms. */
  timeoutMs: number;
  /** Appended to each query's command (SCPI: "\n"; ADAM modules: "\r"). */
  writeTerminator: string;
  /** What ends an answer. */
  readTerminator: string;
}

export abstract class StreamTransport implements Transport {
  protected readonly reader: ByteStreamReader;
  private readonly lock = new TransactionLock();
  private isOpen = false;

  constructor(
    readonly resource: string,
    protected readonly clock: Clock,
    protected readonly options: StreamOptions,
  ) {
    this.reader = new ByteStreamReader(resource, clock);
  }

  /** Connects, and arranges for received bytes to reach `this.reader` and a loss to call `this.lost`. */
  protected abstract connect(): Promise<void>;
  /**
   * Hands `data` to the connection. Returns nothing when the bytes were taken at once (an
   * in-process instrument), so no deadline is set for them; else a promise that settles once they are.
   */
  protected abstract send(data: Buffer): Promise<void> | void;
  protected abstract disconnect(): Promise<void>;

  /** The connection went away: the read in progress fails, and the next call reconnects. */
  protected lost(reason: string): void {
    this.isOpen = false;
    this.reader.fail(new TransportError('closed', this.resource, reason));
  }

  async open(): Promise<void> {
    if (this.isOpen) return;
    this.reader.reset();
    await this.connect();
    this.isOpen = true;
  }

  async close(): Promise<void> {
    const wasOpen = this.isOpen;
    this.isOpen = false;
    this.reader.fail(new TransportError('closed', this.resource, 'closed by the program'));
    if (wasOpen) await this.disconnect();
  }

  async write(data: string | Buffer, timeoutMs = this.options.timeoutMs): Promise<void> {
    if (!this.isOpen) await this.open();
    await this.sendBytes(typeof data === 'string' ? Buffer.from(data, 'latin1') : data, timeoutMs);
  }

  async read(options: ReadOptions = {}): Promise<Buffer> {
    if (!this.isOpen) await this.open();
    return this.readAnswer(options);
  }

  query(command: string, options: ReadOptions = {}): Promise<string> {
    return this.lock.run(() => this.exchange(command, options));
  }

  /** One command and its answer, inside the transaction lock: write() then read(), without their wrappers. */
  private async exchange(command: string, options: ReadOptions): Promise<string> {
    if (!this.isOpen) await this.open();
    const sending = this.sendBytes(Buffer.from(command + this.options.writeTerminator, 'latin1'), options.timeoutMs ?? this.options.timeoutMs);
    if (sending) await sending;
    options.onSent?.();
    // The connection may have gone while the command went out: the read reconnects, as read() does.
    if (!this.isOpen) await this.open();
    const answer = await this.readAnswer(options);
    return answer.toString('latin1').trim();
  }

  /** Sends `bytes`: nothing to wait for when the connection took them at once, else a promise under a deadline. */
  private sendBytes(bytes: Buffer, timeoutMs: number): Promise<void> | void {
    const sending = this.send(bytes);
    if (sending) return this.withTimeout(sending, timeoutMs, `writing ${bytes.length} bytes`);
  }

  private readAnswer(options: ReadOptions): Promise<Buffer> {
    return this.reader.read(
      options.bytes !== undefined ? { bytes: options.bytes } : { terminator: options.terminator ?? this.options.readTerminator },
      options.timeoutMs ?? this.options.timeoutMs,
    );
  }

  async clear(): Promise<void> {
    this.reader.discard();
  }

  private withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = this.clock.setDeadline(() => reject(new TransportError('timeout', this.resource, `${what} took longer than ${ms} ms`)), ms);
      work.then(
        (v) => {
          this.clock.clearTimeout(timer);
          resolve(v);
        },
        (err: unknown) => {
          this.clock.clearTimeout(timer);
          reject(err);
        },
      );
    });
  }
}
