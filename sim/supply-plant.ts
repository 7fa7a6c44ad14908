// The physics of one HV chain: the drive volts set the supply's target
// (HV = gain × v + offset + quadratic × v²), the output follows with a first-order response, and
// a slow random-walk drift adds to it. The voltmeter sees the mean over its integration window, so
// the plant integrates its own history exactly (the drift is slow enough to take at the window's middle).

import { SeededRandom } from './random.js';

export interface SupplyParameters {
  /** HV volts per drive volt. */
  gain: number;
  /** HV volts at zero drive. */
  offset: number;
  /** HV volts per drive volt squared (the supply's curvature; 0 for an ideal one). */
  quadratic?: number;
  /** First-order time constant, ms. */
  tauMs: number;
  /** Random-walk drift: variance grows by this many V² per second (0: none). */
  driftV2PerS?: number;
  /** Seed of the drift's random walk. */
  seed?: number;
}

interface Segment {
  /** Clock ms the segment begins. */
  from: number;
  /** HV at `from`. */
  start: number;
  /** HV the output approaches during this segment. */
  target: number;
}

/** History kept for readings whose integration began before the latest change. */
const HISTORY_MS = 120_000;
const DRIFT_STEP_MS = 1000;
/** Drift steps kept behind the latest asked for: an hour, far more than a reading looks back (HISTORY_MS); a training server runs for weeks. */
export const DRIFT_KEPT_STEPS = 3600;

export class SupplyPlant {
  private segments: Segment[];
  private driveVolts: number;
  /** A training fault: a steady ramp added from `since` (V/s), and a tripped supply (output 0). */
  private ramp = { voltsPerS: 0, since: 0, base: 0 };
  private tripped = false;
  /** The random walk: `values[k]` is its value at step `first + k` (steps of DRIFT_STEP_MS from `origin`). */
  private readonly drift: { origin: number; first: number; values: number[]; random: SeededRandom; sigmaPerStep: number };

  constructor(
    readonly parameters: SupplyParameters,
    initialDriveVolts: number,
    now: number,
  ) {
    this.driveVolts = initialDriveVolts;
    const hv = this.targetFor(initialDriveVolts);
    this.segments = [{ from: now - HISTORY_MS, start: hv, target: hv }];
    this.drift = {
      origin: now,
      first: 0,
      values: [0],
      random: new SeededRandom(parameters.seed ?? 7),
      sigmaPerStep: Math.sqrt((parameters.driftV2PerS ?? 0) * (DRIFT_STEP_MS / 1000)),
    };
  }

  get drive(): number {
    return this.driveVolts;
  }

  targetFor(driveVolts: number): number {
    const p = this.parameters;
    return p.gain * driveVolts + p.offset + (p.quadratic ?? 0) * driveVolts * driveVolts;
  }

  get isTripped(): boolean {
    return this.tripped;
  }

  /** Training: the supply trips (its output falls to 0 V and stays there until reset). */
  trip(now: number): void {
    this.tripped = true;
    this.segments.push({ from: now, start: this.responseAt(now), target: 0 });
  }

  /** Training: the trip is cleared and the output comes back towards the present drive; a drift stays. */
  recover(now: number): void {
    if (!this.tripped) return;
    this.tripped = false;
    this.segments.push({ from: now, start: this.responseAt(now), target: this.targetFor(this.driveVolts) });
  }

  /** Training: drift at `voltsPerMinute` from now on (0 stops it), on top of the fitted drift. */
  setRamp(voltsPerMinute: number, now: number): void {
    this.ramp = { voltsPerS: voltsPerMinute / 60, since: now, base: this.rampAt(now) };
  }

  /** The training drift's present rate, V/min (0: none). */
  get rampVoltsPerMinute(): number {
    return this.ramp.voltsPerS * 60;
  }

  /** Training: back to normal, at the present drive (the drift walked so far is taken away too). */
  reset(now: number): void {
    this.ramp = { voltsPerS: 0, since: now, base: 0 };
    this.recover(now);
  }

  setDrive(driveVolts: number, now: number): void {
    const start = this.responseAt(now);
    this.driveVolts = driveVolts;
    this.segments.push({ from: now, start, target: this.tripped ? 0 : this.targetFor(driveVolts) });
    while (this.segments.length > 1 && (this.segments[1] as Segment).from < now - HISTORY_MS) this.segments.shift();
  }

  /** HV output at time `t`. */
  hvAt(t: number): number {
    return this.responseAt(t) + this.driftAt(t) + this.rampAt(t);
  }

  private rampAt(t: number): number {
    return this.ramp.base + (this.ramp.voltsPerS * Math.max(0, t - this.ramp.since)) / 1000;
  }

  /** Mean HV over [from, to], as an integrating voltmeter sees it. */
  meanHv(from: number, to: number): number {
    const drift = this.driftAt((from + to) / 2) + this.rampAt((from + to) / 2);
    if (to <= from) return this.responseAt(from) + drift;
    const tau = this.parameters.tauMs;
    let integral = 0;
    for (let i = 0; i < this.segments.length; i++) {
      const seg = this.segments[i] as Segment;
      const segEnd = (this.segments[i + 1] as Segment | undefined)?.from ?? Infinity;
      const a = Math.max(from, seg.from);
      const b = Math.min(to, segEnd);
      if (b <= a) continue;
      const decay = (t: number) => Math.exp(-(t - seg.from) / tau);
      integral += seg.target * (b - a) + (seg.start - seg.target) * tau * (decay(a) - decay(b));
    }
    return integral / (to - from) + drift;
  }

  private responseAt(t: number): number {
    let seg = this.segments[0] as Segment;
    for (const s of this.segments) {
      if (s.from <= t) seg = s;
      else break;
    }
    return seg.target + (seg.start - seg.target) * Math.exp(-(t - seg.from) / this.parameters.tauMs);
  }

  /** The random walk, one step a second from the plant's start, linear between steps. */
  private driftAt(t: number): number {
    const d = this.drift;
    if (d.sigmaPerStep === 0 || t <= d.origin) return 0;
    const x = (t - d.origin) / DRIFT_STEP_MS;
    const i = Math.floor(x);
    while (d.first + d.values.length <= i + 1) d.values.push(d.values.at(-1)! + d.sigmaPerStep * d.random.gaussian());
    if (i < d.first) {
      throw new Error(`the simulated supply's drift ${(d.first - i) * (DRIFT_STEP_MS / 1000)} s before the oldest step kept is gone; expected a time at most ${DRIFT_KEPT_STEPS} s before the latest asked for`);
    }
    if (i - d.first > 2 * DRIFT_KEPT_STEPS) {
      const drop = i - d.first - DRIFT_KEPT_STEPS;
      d.values.splice(0, drop);
      d.first += drop;
    }
    const k = i - d.first;
    return d.values[k]! + (d.values[k + 1]! - d.values[k]!) * (x - i);
  }
}
