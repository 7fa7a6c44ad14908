// A simulated output instrument (calibrator or AO module) driving one supply plant.

import type { Clock } from '../src/clock/clock.js';
import { InstrumentError, type OutputInstrument } from '../src/instruments/instrument.js';
import type { SupplyPlant } from './supply-plant.js';

export interface InstrumentFaults {
  /** The instrument does not answer at all (off the bus, powered down). */
  offline: boolean;
}

export class SimulatedCalibrator implements OutputInstrument {
  readonly faults: InstrumentFaults = { offline: false };
  /** Every output the instrument was told to produce, for tests and the training log. */
  readonly history: { at: number; volts: number }[] = [];

  constructor(
    readonly name: string,
    private readonly plant: SupplyPlant,
    private readonly clock: Clock,
    private readonly limits: { min: number; max: number },
    /** One command's round trip on the bus. */
    private readonly latencyMs = 30,
  ) {}

  async readOutput(signal?: AbortSignal): Promise<number> {
    await this.clock.sleep(this.latencyMs, signal);
    this.checkOnline();
    return this.plant.drive;
  }

  async setOutput(volts: number, signal?: AbortSignal): Promise<void> {
    if (!Number.isFinite(volts) || volts < this.limits.min || volts > this.limits.max) {
      throw new InstrumentError('out-of-range', this.name, `output ${volts} V refused; expected ${this.limits.min} to ${this.limits.max} V`);
    }
    await this.clock.sleep(this.latencyMs, signal);
    this.checkOnline();
    this.plant.setDrive(volts, this.clock.now());
    this.history.push({ at: this.clock.now(), volts });
  }

  private checkOnline(): void {
    if (this.faults.offline) throw new InstrumentError('not-responding', this.name, `no answer within ${this.latencyMs * 10} ms`);
  }
}
