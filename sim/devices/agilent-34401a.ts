// A simulated Agilent 34401A reading a divider: a measurement integrates the plant's HV over the
// configured number of power-line cycles (2 s at NPLC 100, 50 Hz), autozeroes for as long again,
// and is ready about 4.02 s after it was triggered, with the meter's noise, in the meter's resolution.
// INIT starts one (ignored, -213, while one runs); ABOR abandons it; FETC? waits for it and
// answers; READ? is both.
// Commands: *IDN? *RST *CLS CONF:VOLT:DC DET:BAND INP:IMP:AUTO VOLT:NPLC ZERO:AUTO INIT ABOR FETC? READ? SYST:ERR? SYST:REM

import type { Clock } from '../../src/kit/clock/clock.js';
import type { SeededRandom } from '../random.js';
import type { SupplyPlant } from '../supply-plant.js';
import { boolArg, numberArg, SCPI_ERRORS, ScpiDevice, ScpiError, scpiExponential } from '../scpi/scpi-device.js';
import type { LineDevice } from './line-device.js';

const LINE_HZ = 50;
const NPLC_CHOICES = [0.02, 0.2, 1, 10, 100];
const RANGES = [0.1, 1, 10, 100, 1000];
const OVERLOAD = 9.9e37;
/**
 * A reading moves in steps of its range × 1e-8 (0.1 µV on the 10 V range): the rack's calibration
 * runs show readings such as -2.2225285 there.
 */
const STEPS_PER_RANGE = 1e8;
/** From READ? to the start of integration, and the meter's own overhead per reading. */
const TRIGGER_DELAY_MS = 10;
const OVERHEAD_MS = 10;

/** The meter's noise at the HV side, as fitted to the calibration runs. */
export interface ReadingNoise {
  /** One sigma: sigma0V + perKvV × |HV| / 1000. */
  sigma0V: number;
  perKvV: number;
  /** Chance that a reading is an outlier, and an outlier's typical size (HV volts). */
  outlierRate: number;
  outlierV: number;
}

export interface ReadingFaults {
  /** Every reading repeats this raw value (a stuck meter). */
  frozen: number | null;
  /** Added to the next readings' HV, in volts, while `spikeReadings` > 0. */
  spikeVolts: number;
  spikeReadings: number;
  /** Extra noise (one sigma, HV volts) on the next readings. */
  burstVolts: number;
  burstReadings: number;
  /** Added to every reading's HV, in volts (0: none). */
  offsetVolts: number;
  /** A ramp added to the readings' HV, V/min, growing from `driftSince` (clock ms; null: no ramp). */
  driftVoltsPerMin: number;
  driftSince: number | null;
}

const NO_READING_FAULTS: Readonly<ReadingFaults> = {
  frozen: null,
  spikeVolts: 0,
  spikeReadings: 0,
  burstVolts: 0,
  burstReadings: 0,
  offsetVolts: 0,
  driftVoltsPerMin: 0,
  driftSince: null,
};

export class Agilent34401A extends ScpiDevice implements LineDevice {
  readonly terminator = '\n';
  protected readonly noError = '+0,"No error"';
  readonly readingFaults: ReadingFaults = { ...NO_READING_FAULTS };
  private nplc = 10;
  private range = 10;
  private autozero = true;
  private lastRaw: number | null = null;
  private measurement: Promise<string> | null = null;
  private measuring = false;
  /** Counts ABORts, so a measurement knows it was abandoned. */
  private aborted = 0;
  /** When the present measurement's integration ends (clock ms). */
  private integrationEnd = 0;
  /** Told of each reading read out (FETC? or READ? answered with it), with when its integration ended: for counting readings. */
  onReadOut: ((integrationEndedAt: number) => void) | null = null;

  constructor(
    name: string,
    private readonly plant: SupplyPlant,
    private readonly dividerRatio: number,
    private readonly clock: Clock,
    private readonly random: SeededRandom,
    private readonly noise: ReadingNoise,
  ) {
    super(name);
    this.on('*IDN?', () => 'HEWLETT-PACKARD,34401A,0,11-5-2');
    this.on('*RST', () => {
      this.nplc = 10;
      this.range = 10;
      this.autozero = true;
    });
    this.on('*CLS', () => this.clearErrors());
    this.on('SYSTem:REMote', () => {});
    this.on('CONFigure[:VOLTage][:DC]', (args) => {
      if (args.length > 0 && args[0]!.toUpperCase() !== 'AUTO' && args[0]!.toUpperCase() !== 'DEF') {
        const wanted = numberArg(args, 0, { MINIMUM: 0.1, MAXIMUM: 1000 });
        const range = RANGES.find((r) => r >= Math.abs(wanted));
        if (range === undefined) throw SCPI_ERRORS.dataOutOfRange();
        this.range = range;
      }
    });
    this.on('[SENSe:]DETector:BANDwidth', (args) => {
      if (![3, 20, 200].includes(numberArg(args, 0, { MINIMUM: 3, MAXIMUM: 200 }))) throw SCPI_ERRORS.dataOutOfRange();
    });
    this.on('INPut:IMPedance:AUTO', (args) => void boolArg(args, 0));
    this.on('[SENSe:]VOLTage[:DC]:NPLCycles', (args) => {
      const n = numberArg(args, 0, { MINIMUM: 0.02, MAXIMUM: 100 });
      if (!NPLC_CHOICES.includes(n)) throw SCPI_ERRORS.dataOutOfRange();
      this.nplc = n;
    });
    this.on('[SENSe:]VOLTage[:DC]:NPLCycles?', () => scpiExponential(this.nplc));
    this.on('[SENSe:]ZERO:AUTO', (args) => {
      this.autozero = boolArg(args, 0);
    });
    this.on('INITiate', () => {
      if (this.measuring) throw new ScpiError(-213, 'Init ignored'); // as the real meter: one measurement at a time
      this.measurement = this.measure();
    });
    this.on('ABORt', () => {
      this.aborted++;
      this.measuring = false;
      this.measurement = null;
    });
    this.on('FETCh?', () => {
      if (!this.measurement) throw new ScpiError(-230, 'Data stale');
      return this.readOut(this.measurement);
    });
    this.on('READ?', () => {
      this.measurement = this.measure();
      return this.readOut(this.measurement);
    });
    this.on('SYSTem:ERRor?', () => this.nextError());
  }

  /** How long one READ? takes at the present settings, ms. */
  get readingTimeMs(): number {
    const integration = (this.nplc / LINE_HZ) * 1000;
    return TRIGGER_DELAY_MS + integration * (this.autozero ? 2 : 1) + OVERHEAD_MS;
  }

  /** Training: every following reading's HV is off by `volts` (0: no offset). */
  setOffset(volts: number): void {
    this.readingFaults.offsetVolts = volts;
  }

  /** Training: the readings' HV drifts at `voltsPerMin` from now, starting from 0 (0: no drift, none left). */
  setDrift(voltsPerMin: number): void {
    this.readingFaults.driftVoltsPerMin = voltsPerMin;
    this.readingFaults.driftSince = voltsPerMin === 0 ? null : this.clock.now();
  }

  /** Training: every reading fault off. */
  clearReadingFaults(): void {
    Object.assign(this.readingFaults, NO_READING_FAULTS);
  }

  /** The training drift in a reading whose integration window's middle is at `t`; none before it began. */
  private driftAt(t: number): number {
    const { driftVoltsPerMin, driftSince } = this.readingFaults;
    if (driftSince === null) return 0;
    return (driftVoltsPerMin * Math.max(0, t - driftSince)) / 60_000;
  }

  /** `raw` in the meter's resolution on its present range. */
  private atResolution(raw: number): number {
    // Dividing by the steps per volt (a whole power of ten) lands on the nearest double to the decimal.
    const stepsPerVolt = STEPS_PER_RANGE / this.range;
    return Math.round(raw * stepsPerVolt) / stepsPerVolt;
  }

  private readOut(measurement: Promise<string>): Promise<string> {
    if (!this.onReadOut) return measurement;
    const at = this.integrationEnd;
    return measurement.then((answer) => {
      this.onReadOut?.(at);
      return answer;
    });
  }

  private async measure(): Promise<string> {
    const startedAt = this.clock.now() + TRIGGER_DELAY_MS;
    const integrationMs = (this.nplc / LINE_HZ) * 1000;
    this.integrationEnd = startedAt + integrationMs;
    const generation = this.aborted;
    this.measuring = true;
    await this.clock.sleep(this.readingTimeMs);
    if (generation !== this.aborted) return new Promise<string>(() => {}); // abandoned: never answers
    this.measuring = false;
    const clean = this.plant.meanHv(startedAt, startedAt + integrationMs);
    let hv = clean + (this.noise.sigma0V + (this.noise.perKvV * Math.abs(clean)) / 1000) * this.random.gaussian();
    if (this.random.next() < this.noise.outlierRate) {
      // Outliers: exponentially distributed sizes with the fitted median, either sign.
      hv += (this.random.next() < 0.5 ? -1 : 1) * (this.noise.outlierV / Math.LN2) * -Math.log(1 - this.random.next());
    }
    if (this.readingFaults.burstReadings > 0) {
      this.readingFaults.burstReadings--;
      hv += this.readingFaults.burstVolts * this.random.gaussian();
    }
    if (this.readingFaults.spikeReadings > 0) {
      this.readingFaults.spikeReadings--;
      hv += this.readingFaults.spikeVolts;
    }
    hv += this.readingFaults.offsetVolts + this.driftAt(startedAt + integrationMs / 2);
    let raw = this.readingFaults.frozen ?? hv / this.dividerRatio;
    raw = Math.abs(raw) > this.range * 1.2 ? OVERLOAD : this.atResolution(raw);
    this.lastRaw = raw;
    return scpiExponential(raw);
  }

  get lastReading(): number | null {
    return this.lastRaw;
  }
}
