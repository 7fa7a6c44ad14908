// Driver: ADAM-style analog-output module (address AA, 0–10 V) on a serial line, driving the
// shift supply. `$AA2` checks its configuration (output range 32 = 0–10 V), `$AA6` reads the
// present output back, `#AA+VV.VVV` sets it (answer `>`; `?AA` means refused).

import type { Transport } from '../../kit/transports/transport.js';
import { InstrumentError, type OutputInstrument } from './instrument.js';

export class Adam4024 implements OutputInstrument {
  private checked = false;
  private readonly address: string;

  constructor(
    readonly name: string,
    private readonly transport: Transport,
    address: number,
    private readonly timeoutMs: number,
  ) {
    this.address = address.toString(16).toUpperCase().padStart(2, '0');
  }

  async readOutput(): Promise<number> {
    await this.check();
    const answer = await this.query(`$${this.address}6`);
    const m = new RegExp(`^!${this.address}([+-]\\d\\d\\.\\d\\d\\d)$`, 'i').exec(answer);
    if (!m) throw new InstrumentError('bad-answer', this.name, `$${this.address}6 answered ${JSON.stringify(answer)}; expected "!${this.address}+VV.VVV"`);
    return Number(m[1]);
  }

  /** It writes millivolts (`#AA+VV.VVV`): the output moves in 1 mV steps. */
  resolution(): number {
    return 1e-3;
  }

  quantize(volts: number): number {
    return Math.round(volts * 1000) / 1000;
  }

  /** The module has no standby: it always operates. */
  async outputState(): Promise<{ operating: boolean; volts: number }> {
    return { operating: true, volts: await this.readOutput() };
  }

  async setOutput(volts: number, _options: { energize: boolean }): Promise<void> {
    if (!Number.isFinite(volts) || volts < 0 || volts > 10) {
      throw new InstrumentError('out-of-range', this.name, `output ${volts} V refused; expected 0 to 10 V`);
    }
    await this.check();
    const command = `#${this.address}+${volts.toFixed(3).padStart(6, '0')}`;
    const answer = await this.query(command);
    if (answer !== '>') throw new InstrumentError('bad-answer', this.name, `${command} answered ${JSON.stringify(answer)}; expected ">"`);
  }

  private async check(): Promise<void> {
    if (this.checked) return;
    await this.transport.close();
    await this.transport.open();
    const answer = await this.query(`$${this.address}2`);
    if (!new RegExp(`^!${this.address}32`, 'i').test(answer)) {
      throw new InstrumentError('bad-answer', this.name, `$${this.address}2 answered ${JSON.stringify(answer)}; expected "!${this.address}32..." (output range 0–10 V)`);
    }
    this.checked = true;
  }

  private async query(command: string): Promise<string> {
    try {
      return await this.transport.query(command, { timeoutMs: this.timeoutMs });
    } catch (err) {
      this.checked = false;
      throw err;
    }
  }
}
