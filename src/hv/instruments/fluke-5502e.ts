// Driver: Fluke 5502E calibrator as the analog output that drives the main HV supply.
// Identification with *IDN?; the present output from OPER?, OUT? and ERR? (so a restart adopts it);
// a client's setpoint is one compound message, OUT <v> V;OPER;ERR?, so it is a single bus
// transaction and the error queue confirms it. Every other write (holding, correcting) asks OPER?
// first and changes nothing in standby: OPER goes out only for a client's command, never at start,
// on a restart or from the control loop, so a calibrator someone put in standby stays there.

import type { Transport } from '../../kit/transports/transport.js';
import { InstrumentError, type OutputInstrument } from './instrument.js';

const NO_ERROR = /^\+?0,/;
/** Where the 5502E's DC ranges end (0.33, 3.3, 33, 330, 1020 V): crossing one changes range. */
const RANGE_LIMITS = [0.33, 3.3, 33, 330];
/** Each range's resolution, volts: the output moves in these steps (10 µV above 3.3 V is 35 mV of HV). */
const RESOLUTION = [1e-7, 1e-6, 1e-5, 1e-4, 1e-3];
const rangeOf = (volts: number) => RANGE_LIMITS.filter((limit) => Math.abs(volts) >= limit).length;

export class Fluke5502E implements OutputInstrument {
  private identified = false;

  constructor(
    readonly name: string,
    private readonly transport: Transport,
    private readonly timeoutMs: number,
  ) {}

  async readOutput(): Promise<number> {
    const { operating, volts } = await this.outputState();
    return operating ? volts : 0; // in standby the output terminals carry nothing
  }

  async outputState(): Promise<{ operating: boolean; volts: number }> {
    await this.identify();
    return this.guard(async () => {
      const operating = await this.operating();
      const out = await this.query('OUT?');
      const [amplitude, unit] = out.split(',');
      const volts = Number(amplitude);
      if (!Number.isFinite(volts) || unit?.trim().toUpperCase() !== 'V') {
        throw new InstrumentError('bad-answer', this.name, `OUT? answered ${JSON.stringify(out)}; expected "<volts>,V,..."`);
      }
      // Whatever went wrong on the bus since the last look is in the error queue.
      const error = await this.query('ERR?');
      if (!NO_ERROR.test(error)) throw new InstrumentError('bad-answer', this.name, `the error queue holds ${error}; expected 0,"No Error"`);
      return { operating, volts };
    });
  }

  resolution(volts: number): number {
    return RESOLUTION[rangeOf(volts)]!;
  }

  quantize(volts: number): number {
    const step = this.resolution(volts);
    return Math.round(volts / step) * step;
  }

  keepRange(fromVolts: number, toVolts: number, marginV: number): number {
    const from = rangeOf(fromVolts);
    const to = rangeOf(toVolts);
    if (Math.abs(to - from) !== 1 || Math.sign(fromVolts) !== Math.sign(toVolts)) return toVolts;
    const limit = RANGE_LIMITS[Math.min(from, to)]! * Math.sign(toVolts);
    if (Math.abs(toVolts - limit) > marginV) return toVolts;
    // Up: the top of the lower range; down: the boundary itself, the bottom of the upper range.
    return to > from ? limit - Math.sign(limit) * RESOLUTION[from]! : limit;
  }

  /** A range change opens the output relays for a moment (0.28 s in the calibration runs). */
  dropsOutBetween(fromVolts: number, toVolts: number): boolean {
    return rangeOf(fromVolts) !== rangeOf(toVolts);
  }

  async setOutput(volts: number, { energize }: { energize: boolean }): Promise<void> {
    if (!Number.isFinite(volts)) throw new InstrumentError('out-of-range', this.name, `output ${volts} V refused; expected a finite number`);
    await this.identify();
    await this.guard(async () => {
      if (!energize && !(await this.operating())) {
        throw new InstrumentError('standby', this.name, `output is in standby; OUT ${volts.toFixed(6)} V not sent (only a client's command may switch it on)`);
      }
      const message = energize ? `OUT ${volts.toFixed(6)} V;OPER;ERR?` : `OUT ${volts.toFixed(6)} V;ERR?`;
      const error = await this.query(message);
      if (!NO_ERROR.test(error)) throw new InstrumentError('bad-answer', this.name, `OUT ${volts.toFixed(6)} V refused: ${error}`);
    });
  }

  private async operating(): Promise<boolean> {
    const answer = await this.query('OPER?');
    if (answer !== '1' && answer !== '0') throw new InstrumentError('bad-answer', this.name, `OPER? answered ${JSON.stringify(answer)}; expected 1 or 0`);
    return answer === '1';
  }

  private async identify(): Promise<void> {
    if (this.identified) return;
    await this.transport.close();
    await this.transport.open();
    await this.transport.clear();
    const idn = await this.query('*IDN?');
    if (!/^FLUKE,5502E,/i.test(idn)) {
      throw new InstrumentError('bad-answer', this.name, `*IDN? answered ${JSON.stringify(idn)}; expected a Fluke 5502E`);
    }
    this.identified = true;
  }

  /** Any failure makes the next call start again from a fresh connection and identification. */
  private async guard<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (err) {
      this.identified = false;
      throw err;
    }
  }

  private query(command: string): Promise<string> {
    return this.transport.query(command, { timeoutMs: this.timeoutMs });
  }
}
