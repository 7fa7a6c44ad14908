// Driver: Fluke 5502E calibrator as the analog output that drives the main HV supply.
// Identification with *IDN?; the present output from OUT? and OPER? (so a restart adopts it);
// a setpoint is one compound message, OUT <v> V;OPER;ERR?, so it is a single bus transaction and
// the error queue confirms it. OPER is never sent at start: from standby it would put a voltage
// on the supply by itself.

import type { Transport } from '../transports/transport.js';
import { InstrumentError, type OutputInstrument } from './instrument.js';

const NO_ERROR = /^\+?0,/;

export class Fluke5502E implements OutputInstrument {
  private identified = false;

  constructor(
    readonly name: string,
    private readonly transport: Transport,
    private readonly timeoutMs: number,
  ) {}

  async readOutput(): Promise<number> {
    await this.identify();
    return this.guard(async () => {
      const operating = (await this.query('OPER?')) === '1';
      const out = await this.query('OUT?');
      const [amplitude, unit] = out.split(',');
      const volts = Number(amplitude);
      if (!Number.isFinite(volts) || unit?.trim().toUpperCase() !== 'V') {
        throw new InstrumentError('bad-answer', this.name, `OUT? answered ${JSON.stringify(out)}; expected "<volts>,V,..."`);
      }
      return operating ? volts : 0; // in standby the output terminals carry nothing
    });
  }

  async setOutput(volts: number): Promise<void> {
    if (!Number.isFinite(volts)) throw new InstrumentError('out-of-range', this.name, `output ${volts} V refused; expected a finite number`);
    await this.identify();
    await this.guard(async () => {
      const error = await this.query(`OUT ${volts.toFixed(6)} V;OPER;ERR?`);
      if (!NO_ERROR.test(error)) throw new InstrumentError('bad-answer', this.name, `OUT ${volts.toFixed(6)} V refused: ${error}`);
    });
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
