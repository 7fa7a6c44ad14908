// Driver: Agilent (HP) 34401A digital multimeter reading a divider (PROTOCOL.md §6).
// Init: *IDN? check, *RST, *CLS, CONF:VOLT:DC 10,0.00001, DET:BAND 3, INP:IMP:AUTO ON, VOLT:NPLC 100,
// then SYST:ERR? drained. Each reading: READ?, stamped with its integration window.

import type { Clock } from '../clock/clock.js';
import type { Transport } from '../transports/transport.js';
import { InstrumentError, type RawReading, type VoltmeterInstrument } from './instrument.js';

export const AGILENT_INIT = ['*RST', '*CLS', 'CONF:VOLT:DC 10,0.00001', 'DET:BAND 3', 'INP:IMP:AUTO ON', 'VOLT:NPLC 100'];
/** The 34401A answers +9.90000000E+37 when the input is beyond the range. */
export const OVERLOAD = 9.9e37;
const NPLC = 100;
const LINE_HZ = 50;
/** From READ? to the start of integration. */
const TRIGGER_DELAY_MS = 10;
const NO_ERROR = /^\+?0,/;

export interface Agilent34401AOptions {
  /** Longest one READ? may take (well above the ~4 s of a reading at NPLC 100). */
  readingTimeoutMs: number;
  /** For *IDN?, SYST:ERR? and other quick queries. */
  queryTimeoutMs: number;
}

export class Agilent34401A implements VoltmeterInstrument {
  constructor(
    readonly name: string,
    private readonly transport: Transport,
    private readonly clock: Clock,
    private readonly options: Agilent34401AOptions,
  ) {}

  async init(): Promise<void> {
    // A fresh connection: whatever a previous actor left half-read is gone.
    await this.transport.close();
    await this.transport.open();
    await this.transport.clear();
    const idn = await this.transport.query('*IDN?', { timeoutMs: this.options.queryTimeoutMs });
    if (!/,34401A,/i.test(idn)) {
      throw new InstrumentError('bad-answer', this.name, `*IDN? answered ${JSON.stringify(idn)}; expected an Agilent or HP 34401A`);
    }
    for (const command of AGILENT_INIT) await this.transport.write(`${command}\n`);
    const errors = await this.drainErrors();
    if (errors.length > 0) throw new InstrumentError('bad-answer', this.name, `init left errors in the queue: ${errors.join('; ')}`);
  }

  async read(): Promise<RawReading> {
    const sentAt = this.clock.now();
    const answer = await this.transport.query('READ?', { timeoutMs: this.options.readingTimeoutMs });
    const raw = Number(answer);
    if (!/^[+-]?\d/.test(answer) || !Number.isFinite(raw)) {
      const errors = await this.drainErrors().catch(() => [] as string[]);
      throw new InstrumentError('bad-answer', this.name, `READ? answered ${JSON.stringify(answer.slice(0, 40))}; expected a number${errors.length ? ` (errors: ${errors.join('; ')})` : ''}`);
    }
    if (Math.abs(raw) >= OVERLOAD) {
      await this.drainErrors().catch(() => []);
      throw new InstrumentError('out-of-range', this.name, `READ? answered ${answer}: overload, the input is beyond the 10 V range`);
    }
    const startedAt = sentAt + TRIGGER_DELAY_MS;
    return { raw, startedAt, endedAt: startedAt + (NPLC / LINE_HZ) * 1000 };
  }

  /** Reads SYST:ERR? until the queue is empty; returns the errors it held (at most 20). */
  async drainErrors(): Promise<string[]> {
    const errors: string[] = [];
    for (let i = 0; i < 20; i++) {
      const answer = await this.transport.query('SYST:ERR?', { timeoutMs: this.options.queryTimeoutMs });
      if (NO_ERROR.test(answer)) break;
      errors.push(answer);
    }
    return errors;
  }
}
