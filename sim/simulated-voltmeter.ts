// A simulated integrating voltmeter reading one divider: each reading integrates the plant's
// HV over a window, adds noise, and arrives one reading period after it was asked for.

import type { Clock } from '../src/clock/clock.js';
import { InstrumentError, type RawReading, type VoltmeterInstrument } from '../src/instruments/instrument.js';
import type { SeededRandom } from './random.js';
import type { InstrumentFaults } from './simulated-calibrator.js';
import type { SupplyPlant } from './supply-plant.js';

export interface VoltmeterTiming {
  /** From READ? to the answer (about 4.02 s at NPLC 100 with autozero). */
  periodMs: number;
  /** How long each reading integrates (100 power-line cycles = 2 s at 50 Hz). */
  integrationMs: number;
  /** Trigger latency before integration begins. */
  triggerDelayMs: number;
}

export class SimulatedVoltmeter implements VoltmeterInstrument {
  readonly faults: InstrumentFaults = { offline: false };

  constructor(
    readonly name: string,
    private readonly plant: SupplyPlant,
    private readonly dividerRatio: number,
    private readonly clock: Clock,
    private readonly random: SeededRandom,
    private readonly timing: VoltmeterTiming,
    /** One-sigma noise in HV-side volts. */
    private readonly noiseVolts: number,
  ) {}

  async init(signal?: AbortSignal): Promise<void> {
    await this.clock.sleep(200, signal);
    if (this.faults.offline) throw new InstrumentError('not-responding', this.name, 'no answer to *IDN?');
  }

  async read(signal?: AbortSignal): Promise<RawReading> {
    const startedAt = this.clock.now() + this.timing.triggerDelayMs;
    const endedAt = startedAt + this.timing.integrationMs;
    await this.clock.sleep(this.timing.periodMs, signal);
    if (this.faults.offline) throw new InstrumentError('timeout', this.name, 'no answer to READ?');
    const hv = this.plant.meanHv(startedAt, endedAt) + this.noiseVolts * this.random.gaussian();
    return { raw: hv / this.dividerRatio, startedAt, endedAt };
  }
}
