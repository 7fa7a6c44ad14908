// A transport that plays an instrument from a script: every byte the driver writes is recorded,
// and each read gets the next scripted answer, so a test states the exact exchange.

import { TransportError, type ReadOptions, type Transport } from '../../src/kit/transports/transport.js';

export class ScriptedTransport implements Transport {
  readonly written: string[] = [];
  private readonly answers: string[];
  opens = 0;
  closes = 0;
  clears = 0;

  constructor(
    answers: string[],
    readonly resource = 'scripted::instrument',
    private readonly terminator = '\n',
  ) {
    this.answers = [...answers];
  }

  async open(): Promise<void> {
    this.opens++;
  }

  async close(): Promise<void> {
    this.closes++;
  }

  async write(data: string | Buffer): Promise<void> {
    this.written.push(typeof data === 'string' ? data : data.toString('latin1'));
  }

  async read(_options?: ReadOptions): Promise<Buffer> {
    const next = this.answers.shift();
    if (next === undefined) throw new TransportError('timeout', this.resource, 'no answer within 2000 ms');
    return Buffer.from(next, 'latin1');
  }

  async query(command: string, options?: ReadOptions): Promise<string> {
    await this.write(command + this.terminator);
    options?.onSent?.();
    return (await this.read(options)).toString('latin1').trim();
  }

  async clear(): Promise<void> {
    this.clears++;
  }

  /** Answers not yet consumed (a test expects none left). */
  get unread(): number {
    return this.answers.length;
  }
}
