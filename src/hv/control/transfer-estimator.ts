// The block's own estimate of its calibrator→HV transfer, learned from its settled readings:
// HV = gain·v + offset + quadratic·v². It starts from the configured coefficients, keeps one
// smoothed point per output-voltage bin (so one long hold does not outweigh the rest of the
// range), refits as points arrive, drops points that disagree with the rest (outliers, a one-off
// glitch), and forgets old points slowly, since the transfer changes from day to day.
//
// A refit is made when the estimate is next used (a write of the output), not at every reading
// learned: a holding block learns from a reading every few seconds and writes far more seldom.
// The fit is a function of the points and of the time of the latest one added, so it is the same
// whenever it is made.

export interface Transfer {
  gain: number;
  offset: number;
  quadratic: number;
}

export interface TransferPoint {
  /** Output volts (bin centre). */
  v: number;
  /** Smoothed HV measured at that output. */
  hv: number;
  /** How many readings went into it. */
  n: number;
  /** Clock ms of the last reading. */
  at: number;
}

export interface EstimatorState {
  points: TransferPoint[];
}

/** Output bins of 5 mV: about 17 V of HV each. */
const BIN_V = 0.005;
/** A point's weight halves every this many ms (a week). */
const HALF_LIFE_MS = 7 * 24 * 3600_000;
const MAX_POINTS = 400;

export class TransferEstimator {
  private points = new Map<number, TransferPoint>();
  private fitted: Transfer;
  /** Clock ms of the reading added last, while the fit does not take it in yet; null when the fit is up to date. */
  private refitAt: number | null = null;

  constructor(
    private readonly configured: Transfer,
    state: EstimatorState | null = null,
  ) {
    for (const p of state?.points ?? []) {
      if ([p.v, p.hv, p.n, p.at].every(Number.isFinite)) this.points.set(Math.round(p.v / BIN_V), p);
    }
    this.fitted = { ...configured };
    // Ages count from the newest point: points are stamped in the server's clock time, which in
    // simulation is not the wall clock.
    const newest = Math.max(0, ...[...this.points.values()].map((p) => p.at));
    this.refit(newest);
  }

  get transfer(): Transfer {
    return { ...this.current() };
  }

  get state(): EstimatorState {
    return { points: [...this.points.values()] };
  }

  /** The state as a function, for a save written later (transfer-store.ts): the points are copied then, not now. */
  readonly stateLater = (): EstimatorState => this.state;

  /** HV the output produces at `v`, by the present estimate. */
  hvFor(v: number): number {
    const t = this.current();
    return t.gain * v + t.offset + t.quadratic * v * v;
  }

  /** HV volts per output volt at `v`, by the present estimate. */
  slopeAt(v: number): number {
    const t = this.current();
    return t.gain + 2 * t.quadratic * v;
  }

  /** Output volts for `hv`, by the present estimate (Newton's method from the straight line). */
  outputFor(hv: number): number {
    const t = this.current();
    let v = (hv - t.offset) / t.gain;
    for (let i = 0; i < 5; i++) v -= (this.hvFor(v) - hv) / (t.gain + 2 * t.quadratic * v);
    return v;
  }

  /** A settled reading `hv` with the output at `v`; returns whether it was taken. */
  add(v: number, hv: number, at: number): boolean {
    if (!Number.isFinite(v) || !Number.isFinite(hv)) return false;
    const key = Math.round(v / BIN_V);
    const point = this.points.get(key);
    if (point) {
      // Within a bin, a running mean that leans towards recent readings (the transfer drifts).
      const weight = 1 / Math.min(point.n + 1, 20);
      point.hv += (hv - point.hv) * weight;
      point.v += (v - point.v) * weight;
      point.n++;
      point.at = at;
    } else {
      this.points.set(key, { v, hv, n: 1, at });
      if (this.points.size > MAX_POINTS) {
        const oldest = [...this.points.entries()].sort((a, b) => a[1].at - b[1].at)[0]!;
        this.points.delete(oldest[0]);
      }
    }
    this.refitAt = at;
    return true;
  }

  /** The fit with every point added so far. */
  private current(): Transfer {
    if (this.refitAt !== null) {
      const at = this.refitAt;
      this.refitAt = null;
      this.refit(at);
    }
    return this.fitted;
  }

  /** Scratch for refits (reused: a refit comes with every write after readings were learned): the points in use, those kept, their residuals. */
  private use: TransferPoint[] = [];
  private kept: TransferPoint[] = [];
  private residuals = new Float64Array(MAX_POINTS + 1);
  private sorted = new Float64Array(MAX_POINTS + 1);
  /** The normal equations, row by row, (basis + 1) numbers a row. */
  private readonly normal = new Float64Array(12);

  private refit(now: number): void {
    if (this.points.size === 0) return;
    if (this.residuals.length < this.points.size) {
      this.residuals = new Float64Array(this.points.size);
      this.sorted = new Float64Array(this.points.size);
    }
    let use = this.use;
    let kept = this.kept;
    use.length = 0;
    for (const p of this.points.values()) use.push(p);
    for (let pass = 0; pass < 2; pass++) {
      const next = this.fit(use, now);
      // Drop points far off the fit (more than 5 times the median residual, and over 20 mV).
      const n = use.length;
      const residuals = this.residuals;
      for (let i = 0; i < n; i++) {
        const p = use[i]!;
        residuals[i] = Math.abs(p.hv - (next.gain * p.v + next.offset + next.quadratic * p.v * p.v));
      }
      const sorted = this.sorted.subarray(0, n);
      sorted.set(residuals.subarray(0, n));
      sorted.sort();
      const limit = Math.max(5 * sorted[n >> 1]!, 0.02);
      kept.length = 0;
      for (let i = 0; i < n; i++) if (residuals[i]! <= limit) kept.push(use[i]!);
      this.fitted = next;
      if (kept.length === n || kept.length < 1) break;
      [use, kept] = [kept, use];
    }
    // Nothing kept past the refit: the points belong to `this.points` alone.
    this.use.length = 0;
    this.kept.length = 0;
  }

  /**
   * Weighted least squares of the departure from the configured transfer: only the offset with
   * points at one output, offset and gain once they span 0.5 V, the curvature too once they span 2 V.
   */
  private fit(points: readonly TransferPoint[], now: number): Transfer {
    const c = this.configured;
    let lowest = Infinity;
    let highest = -Infinity;
    for (const p of points) {
      if (p.v < lowest) lowest = p.v;
      if (p.v > highest) highest = p.v;
    }
    const span = highest - lowest;
    const basis = span >= 2 ? 3 : span >= 0.5 ? 2 : 1;
    const width = basis + 1;
    const m = this.normal;
    m.fill(0);
    for (const p of points) {
      const w = Math.min(p.n, 10) * 0.5 ** (Math.max(0, now - p.at) / HALF_LIFE_MS);
      const y = p.hv - (c.gain * p.v + c.offset + c.quadratic * p.v * p.v);
      const v = p.v;
      const v2 = v ** 2;
      for (let i = 0; i < basis; i++) {
        const fi = i === 0 ? 1 : i === 1 ? v : v2;
        for (let j = 0; j < basis; j++) m[i * width + j]! += w * fi * (j === 0 ? 1 : j === 1 ? v : v2);
        m[i * width + basis]! += w * fi * y;
      }
    }
    for (let col = 0; col < basis; col++) {
      const pivot = m[col * width + col]!;
      if (Math.abs(pivot) < 1e-12) return { ...c };
      for (let r = 0; r < basis; r++) {
        if (r === col) continue;
        const f = m[r * width + col]! / pivot;
        for (let k = col; k <= basis; k++) m[r * width + k]! -= f * m[col * width + k]!;
      }
    }
    const d = (i: number): number => (i < basis ? m[i * width + basis]! / m[i * width + i]! : 0);
    return { offset: c.offset + d(0), gain: c.gain + d(1), quadratic: c.quadratic + d(2) };
  }
}
