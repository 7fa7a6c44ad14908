// GPIB through a Prologix GPIB-ETHERNET adapter (`PRLGX-TCPIP::host::1234::INTFC` + a GPIB address).
// One TCP connection per adapter, shared by every instrument behind it; each transaction addresses
// its instrument with ++addr, escapes its data, and reads the answer with ++read eoi.

import type { Clock } from '../clock/clock.js';
import { escapeData } from './prologix-escape.js';
import { SocketTransport } from './socket-transport.js';
import { TransactionLock, TransportError, type ReadOptions, type Transport } from './transport.js';

/** Sent once per connection: controller mode, no auto-read, EOI on the last byte, LF appended. */
export const PROLOGIX_SETUP = '++mode 1\n++auto 0\n++eoi 1\n++eos 2\n';

export class PrologixAdapter {
  readonly lock = new TransactionLock();
  readonly connection: SocketTransport;

  constructor(
    readonly resource: string,
    host: string,
    port: number,
    clock: Clock,
    timeoutMs: number,
  ) {
    this.connection = new SocketTransport(resource, host, port, clock, { timeoutMs, writeTerminator: '\n', readTerminator: '\n' }, PROLOGIX_SETUP);
  }

  /** After a failure: a fresh connection (with its setup) for the next call. */
  reset(): Promise<void> {
    return this.connection.close();
  }
}

export class PrologixTransport implements Transport {
  readonly resource: string;

  constructor(
    private readonly adapter: PrologixAdapter,
    private readonly address: number,
    private readonly options: { timeoutMs: number; terminator: string },
  ) {
    this.resource = `${adapter.resource} GPIB ${address}`;
  }

  open(): Promise<void> {
    return this.adapter.connection.open();
  }

  /** Closing one instrument leaves the shared connection for the others. */
  async close(): Promise<void> {}

  write(data: string | Buffer, timeoutMs = this.options.timeoutMs): Promise<void> {
    return this.adapter.lock.run(() => this.send(data, timeoutMs));
  }

  read(options: ReadOptions = {}): Promise<Buffer> {
    return this.adapter.lock.run(() => this.receive(options));
  }

  query(command: string, options: ReadOptions = {}): Promise<string> {
    return this.adapter.lock.run(async () => {
      await this.send(command, options.timeoutMs ?? this.options.timeoutMs);
      options.onSent?.();
      return (await this.receive(options)).toString('latin1').trim();
    });
  }

  clear(): Promise<void> {
    return this.adapter.lock.run(async () => {
      await this.adapter.connection.clear();
      await this.guard(this.adapter.connection.write(`++addr ${this.address}\n++clr\n`));
    });
  }

  private send(data: string | Buffer, timeoutMs: number): Promise<void> {
    let bytes = typeof data === 'string' ? Buffer.from(data, 'latin1') : data;
    // The message's own terminator is the adapter's line end (it appends LF itself, eos 2).
    if (bytes.length > 0 && bytes[bytes.length - 1] === this.options.terminator.charCodeAt(0)) bytes = bytes.subarray(0, -1);
    const frame = Buffer.concat([Buffer.from(`++addr ${this.address}\n`), escapeData(bytes), Buffer.from('\n')]);
    return this.guard(this.adapter.connection.write(frame, timeoutMs));
  }

  private async receive(options: ReadOptions): Promise<Buffer> {
    await this.guard(this.adapter.connection.write(`++addr ${this.address}\n++read eoi\n`));
    return this.guard(this.adapter.connection.read({ ...options, timeoutMs: options.timeoutMs ?? this.options.timeoutMs }));
  }

  /**
   * After any failure the adapter's connection is rebuilt, so a late answer cannot be taken for the
   * next one; the error names this instrument (adapter and GPIB address), not just the adapter.
   */
  private async guard<T>(work: Promise<T>): Promise<T> {
    try {
      return await work;
    } catch (err) {
      await this.adapter.reset();
      if (err instanceof TransportError) throw new TransportError(err.code, this.resource, err.message.slice(err.resource.length + 2));
      throw err;
    }
  }
}
