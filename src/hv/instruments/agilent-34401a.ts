// Driver: Agilent (HP) 34401A digital multimeter reading a divider (PROTOCOL.md §6).
// Init: *IDN? check, *RST, *CLS, CONF:VOLT:DC 10,0.00001, DET:BAND 3, INP:IMP:AUTO ON, VOLT:NPLC 100,
// then SYST:ERR? drained. Each reading: ABOR;INIT, a wait of one measurement time, then FETC?.
// READ? would hold the GPIB bus for the whole 4 s of a reading, so a setpoint for the calibrator
// on the same bus would wait for it; INIT ... FETC? leaves the bus free while the meter integrates,
// and the integration window is stamped from when INIT went out.

import type { Clock } from '../../kit/clock/clock.js';
import type { Transport } from '../../kit/transports/transport.js';
import { InstrumentError, type RawReading, type VoltmeterInstrument } from './instrument.js';

export const AGILENT_INIT = ['*RST', '*CLS', 'CONF:VOLT:DC 10,0.00001', 'DET:BAND 3', 'INP:IMP:AUTO ON', 'VOLT:NPLC 100'];
/** The 34401A answers +9.90000000E+37 when the input is beyond the range. */
export const OVERLOAD = 9.9e37;
const NPLC = 100;
const LINE_HZ = 50;
/** From INIT to the start of integration. */
const TRIGGER_DELAY_MS = 10;
/** Integration, autozero for as long again, and the meter's overhead: about 4.02 s at NPLC 100. */
export const MEASUREMENT_MS = TRIGGER_DELAY_MS + 2 * (NPLC / LINE_HZ) * 1000 + 10;
const NO_ERROR = /^\+?0,/;

export interface Agilent34401AOptions {
  /** Longest one reading may take, from INIT to FETC?'s answer (a little above the ~4 s of a reading at NPLC 100). */
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

  async read(signal?: AbortSignal): Promise<RawReading> {
    // ABOR first: a measurement left running by an abandoned reading would make INIT be ignored (-213).
    await this.transport.write('ABOR;INIT\n');
    const startedAt = this.clock.now() + TRIGGER_DELAY_MS;
    await this.clock.sleep(MEASUREMENT_MS, signal);
    // FETC? goes out when the measurement should be done: what is left of the reading's time
    // budget is the wait for it, so a dead meter is known within two reading periods.
    const answer = await this.transport.query('FETC?', { timeoutMs: Math.max(this.options.queryTimeoutMs, this.options.readingTimeoutMs - MEASUREMENT_MS) });
    const raw = Number(answer);
    if (!/^[+-]?\d/.test(answer) || !Number.isFinite(raw)) {
      const errors = await this.drainErrors().catch(() => [] as string[]);
      throw new InstrumentError('bad-answer', this.name, `FETC? answered ${JSON.stringify(answer.slice(0, 40))}; expected a number${errors.length ? ` (errors: ${errors.join('; ')})` : ''}`);
    }
    if (Math.abs(raw) >= OVERLOAD) {
      await this.drainErrors().catch(() => []);
      throw new InstrumentError('out-of-range', this.name, `FETC? answered ${answer}: overload, the input is beyond the 10 V range`);
    }
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
