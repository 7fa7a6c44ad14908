// A GPIB instrument through the vendor VISA library (`GPIB0::20::INSTR`). VISA ends a read on the
// termination character or on EOI; every VISA failure becomes a typed transport error carrying
// the vendor's own description.

import { deadlineFloorOf, realDeadlineMs, type Clock } from '../../clock/clock.js';
import { TransactionLock, TransportError, type ReadOptions, type Transport } from '../transport.js';
import type { VisaLibrary } from './visa-library.js';
import { errorCodeFor, VI } from './visa-status.js';

const READ_CHUNK = 4096;
/** An answer longer than this is not an instrument's answer. */
const MAX_ANSWER = 1024 * 1024;

export class VisaTransport implements Transport {
  private vi: number | null = null;
  private readonly lock = new TransactionLock();
  private timeoutSet: number | null = null;

  constructor(
    readonly resource: string,
    /** Loaded when first needed, so a config without VISA resources never touches the library. */
    private readonly library: () => VisaLibrary,
    private readonly clock: Clock,
    private readonly options: { timeoutMs: number; terminator: string },
  ) {}

  async open(): Promise<void> {
    if (this.vi !== null) return;
    const lib = this.lib();
    const rm = await lib.defaultRM();
    const { status, vi } = await lib.open(rm, this.resource, this.realMs(this.options.timeoutMs));
    if (status < 0) throw await this.failure(status, 'viOpen', rm);
    this.vi = vi;
    this.timeoutSet = null;
    await this.check(lib.setAttribute(vi, VI.ATTR_TERMCHAR, this.options.terminator.charCodeAt(0)), 'viSetAttribute(TERMCHAR)');
    await this.check(lib.setAttribute(vi, VI.ATTR_TERMCHAR_EN, 1), 'viSetAttribute(TERMCHAR_EN)');
  }

  async close(): Promise<void> {
    const vi = this.vi;
    this.vi = null;
    if (vi !== null) await this.lib().close(vi);
  }

  write(data: string | Buffer, timeoutMs = this.options.timeoutMs): Promise<void> {
    return this.lock.run(() => this.send(data, timeoutMs));
  }

  read(options: ReadOptions = {}): Promise<Buffer> {
    return this.lock.run(() => this.receive(options));
  }

  query(command: string, options: ReadOptions = {}): Promise<string> {
    return this.lock.run(async () => {
      await this.send(command + this.options.terminator, options.timeoutMs ?? this.options.timeoutMs);
      options.onSent?.();
      return (await this.receive(options)).toString('latin1').trim();
    });
  }

  clear(): Promise<void> {
    return this.lock.run(async () => {
      await this.open();
      await this.check(this.lib().clear(this.vi!), 'viClear');
    });
  }

  private async send(data: string | Buffer, timeoutMs: number): Promise<void> {
    await this.open();
    await this.setTimeout(timeoutMs);
    const bytes = typeof data === 'string' ? Buffer.from(data, 'latin1') : data;
    const { status, written } = await this.lib().write(this.vi!, bytes);
    if (status < 0) throw await this.failure(status, 'viWrite');
    if (written !== bytes.length) throw new TransportError('io', this.resource, `viWrite wrote ${written} of ${bytes.length} bytes`);
  }

  private async receive(options: ReadOptions): Promise<Buffer> {
    await this.open();
    await this.setTimeout(options.timeoutMs ?? this.options.timeoutMs);
    const parts: Buffer[] = [];
    let total = 0;
    const want = options.bytes;
    for (;;) {
      const { status, data } = await this.lib().read(this.vi!, want !== undefined ? want - total : READ_CHUNK);
      if (status < 0) throw await this.failure(status, 'viRead');
      parts.push(data);
      total += data.length;
      // MAX_CNT: the chunk filled up before the end of the answer; anything else ends it.
      if (want !== undefined ? total >= want : status !== VI.SUCCESS_MAX_CNT) break;
      if (total > MAX_ANSWER) throw new TransportError('io', this.resource, `answer longer than ${MAX_ANSWER} bytes`);
    }
    const answer = Buffer.concat(parts);
    const terminator = options.terminator ?? this.options.terminator;
    return want === undefined && answer.toString('latin1').endsWith(terminator) ? answer.subarray(0, answer.length - terminator.length) : answer;
  }

  private async setTimeout(ms: number): Promise<void> {
    const real = this.realMs(ms);
    if (this.timeoutSet === real) return;
    await this.check(this.lib().setAttribute(this.vi!, VI.ATTR_TMO_VALUE, real), 'viSetAttribute(TMO_VALUE)');
    this.timeoutSet = real;
  }

  /**
   * VISA waits in real time; the program's clock may run faster in simulation. Like every deadline
   * on the clock, it never shrinks below the floor: a bus and a driver answer no faster at ×1000.
   */
  private realMs(ms: number): number {
    return Math.max(1, Math.round(realDeadlineMs(ms, this.clock.timeScale, deadlineFloorOf(this.clock))));
  }

  private async check(call: Promise<number>, what: string): Promise<void> {
    const status = await call;
    if (status < 0) throw await this.failure(status, what);
  }

  private async failure(status: number, what: string, session = this.vi ?? 0): Promise<TransportError> {
    const description = await this.lib().describe(session, status).catch(() => `status ${status}`);
    const code = errorCodeFor(status);
    // A lost connection ends the session: the next call opens a new one.
    if (code === 'closed' && this.vi !== null) await this.close().catch(() => {});
    return new TransportError(code, this.resource, `${what} failed: ${description}`);
  }

  private lib(): VisaLibrary {
    return this.library();
  }
}
