// The physics of one HV chain: the drive volts set the supply's target (HV = gain × drive + offset),
// and the output follows with a first-order response. The voltmeter sees the mean over its
// integration window, so the plant integrates its own history exactly.

export interface SupplyParameters {
  /** HV volts per drive volt. */
  gain: number;
  /** HV volts at zero drive. */
  offset: number;
  /** First-order time constant, ms. */
  tauMs: number;
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

export class SupplyPlant {
  private segments: Segment[];
  private driveVolts: number;

  constructor(
    readonly parameters: SupplyParameters,
    initialDriveVolts: number,
    now: number,
  ) {
    this.driveVolts = initialDriveVolts;
    const hv = this.targetFor(initialDriveVolts);
    this.segments = [{ from: now - HISTORY_MS, start: hv, target: hv }];
  }

  get drive(): number {
    return this.driveVolts;
  }

  targetFor(driveVolts: number): number {
    return this.parameters.gain * driveVolts + this.parameters.offset;
  }

  setDrive(driveVolts: number, now: number): void {
    const start = this.hvAt(now);
    this.driveVolts = driveVolts;
    this.segments.push({ from: now, start, target: this.targetFor(driveVolts) });
    while (this.segments.length > 1 && (this.segments[1] as Segment).from < now - HISTORY_MS) this.segments.shift();
  }

  /** HV output at time `t`. */
  hvAt(t: number): number {
    const seg = this.segmentAt(t);
    return seg.target + (seg.start - seg.target) * Math.exp(-(t - seg.from) / this.parameters.tauMs);
  }

  /** Mean HV over [from, to], as an integrating voltmeter sees it. */
  meanHv(from: number, to: number): number {
    if (to <= from) return this.hvAt(from);
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
    return integral / (to - from);
  }

  private segmentAt(t: number): Segment {
    let found = this.segments[0] as Segment;
    for (const seg of this.segments) {
      if (seg.from <= t) found = seg;
      else break;
    }
    return found;
  }
}
