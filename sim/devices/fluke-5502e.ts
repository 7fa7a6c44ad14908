// A simulated Fluke 5502E calibrator: its output drives a supply plant while it is in operate.
// Commands: *IDN? *RST *CLS OPER OPER? STBY OUT <v>[ V|MV] OUT? ERR?
// The back door can also press STBY on its front panel (pressStandby).

import type { Clock } from '../../src/kit/clock/clock.js';
import type { SupplyPlant } from '../supply-plant.js';
import { SCPI_ERRORS, ScpiDevice } from '../scpi/scpi-device.js';
import type { LineDevice } from './line-device.js';

/** The 5502E's DC voltage range. */
const MAX_VOLTS = 1020;

/** Its DC ranges and their resolution: the output moves in these steps. */
const RANGES = [
  { upTo: 0.33, resolution: 1e-7 },
  { upTo: 3.3, resolution: 1e-6 },
  { upTo: 33, resolution: 1e-5 },
  { upTo: 330, resolution: 1e-4 },
  { upTo: MAX_VOLTS, resolution: 1e-3 },
];

function rangeOf(volts: number): number {
  return RANGES.findIndex((r) => Math.abs(volts) < r.upTo || r.upTo === MAX_VOLTS);
}

function quantize(volts: number): number {
  const { resolution } = RANGES[rangeOf(volts)]!;
  return Math.round(volts / resolution) * resolution;
}

export interface RangeGlitch {
  /** Crossing this output, the calibrator changes range... */
  calibrator_volts: number;
  /** ...and its output drops out for this long. */
  dropout_s: number;
}

export class Fluke5502E extends ScpiDevice implements LineDevice {
  readonly terminator = '\n';
  protected readonly noError = '0,"No Error"';
  private amplitude = 0;
  private operating: boolean;

  constructor(
    name: string,
    private readonly plant: SupplyPlant,
    private readonly clock: Clock,
    /** The range change the real calibrator shows (fitted to the calibration runs); none when left out. */
    private readonly glitch: RangeGlitch | null = null,
  ) {
    super(name);
    // A calibrator found driving the supply is in operate at its present amplitude.
    this.amplitude = plant.drive;
    this.operating = plant.drive !== 0;
    this.on('*IDN?', () => 'FLUKE,5502E,3951002,2.11');
    this.on('*RST', () => {
      this.amplitude = 0;
      this.setOperate(false);
    });
    this.on('*CLS', () => this.clearErrors());
    this.on('OPERate', () => this.setOperate(true));
    this.on('OPERate?', () => (this.operating ? '1' : '0'));
    this.on('STBY', () => this.setOperate(false));
    this.on('OUT', (args) => this.setAmplitude(args));
    this.on('OUT?', () => `${this.amplitude.toExponential(6).toUpperCase().replace(/E([+-])(\d)$/, 'E$10$2')},V,0.000000E+00,0,0.00E+00`);
    this.on('ERR?', () => this.nextError());
  }

  get output(): { volts: number; operating: boolean } {
    return { volts: this.amplitude, operating: this.operating };
  }

  /**
   * Training: someone presses STBY on the front panel. The output drops to standby as after STBY
   * over the bus (the amplitude is kept); only an OPER over the bus puts it back in operate.
   */
  pressStandby(): void {
    this.setOperate(false);
  }

  private setAmplitude(args: readonly string[]): void {
    const m = /^([-+]?\d*\.?\d+(?:[eE][-+]?\d+)?)\s*(MV|V)?$/i.exec(args.join(',').trim());
    if (!m) throw args.length === 0 ? SCPI_ERRORS.missingParameter() : SCPI_ERRORS.dataType();
    const volts = Number(m[1]) * (m[2]?.toUpperCase() === 'MV' ? 1e-3 : 1);
    if (Math.abs(volts) > MAX_VOLTS) throw SCPI_ERRORS.dataOutOfRange();
    const previous = this.amplitude;
    this.amplitude = quantize(volts);
    if (!this.operating) return;
    const boundary = this.glitch?.calibrator_volts;
    if (boundary !== undefined && (Math.abs(previous) - boundary) * (Math.abs(this.amplitude) - boundary) < 0) {
      // Changing range, the output relays open for a moment: the supply sees 0 V, then the new value.
      this.plant.setDrive(0, this.clock.now());
      const amplitude = this.amplitude;
      this.clock.setTimeout(() => {
        if (this.operating && this.amplitude === amplitude) this.plant.setDrive(amplitude, this.clock.now());
      }, this.glitch!.dropout_s * 1000);
      return;
    }
    this.plant.setDrive(this.amplitude, this.clock.now());
  }

  private setOperate(on: boolean): void {
    this.operating = on;
    this.plant.setDrive(on ? this.amplitude : 0, this.clock.now());
  }
}
