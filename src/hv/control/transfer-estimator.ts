// The block's own estimate of its calibrator→HV transfer, learned from its settled readings:
// HV = gain·v + offset + quadratic·v². It starts from the configured coefficients, keeps one
// smoothed point per output-voltage bin (so one long hold does not outweigh the rest of the
// range), refits as points arrive, drops points that disagree with the rest (outliers, a one-off
// glitch), and forgets old points slowly, since the transfer changes from day to day.

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
    return { ...this.fitted };
  }

  get state(): EstimatorState {
    return { points: [...this.points.values()] };
  }

  /** HV the output produces at `v`, by the present estimate. */
  hvFor(v: number): number {
    const t = this.fitted;
    return t.gain * v + t.offset + t.quadratic * v * v;
  }

  /** HV volts per output volt at `v`, by the present estimate. */
  slopeAt(v: number): number {
    const t = this.fitted;
    return t.gain + 2 * t.quadratic * v;
  }

  /** Output volts for `hv`, by the present estimate (Newton's method from the straight line). */
  outputFor(hv: number): number {
    const t = this.fitted;
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
    this.refit(at);
    return true;
  }

  private refit(now: number): void {
    const all = [...this.points.values()];
    if (all.length === 0) return;
    let use = all;
    for (let pass = 0; pass < 2; pass++) {
      const next = this.fit(use, now);
      // Drop points far off the fit (more than 5 times the median residual, and over 20 mV).
      const residuals = use.map((p) => Math.abs(p.hv - (next.gain * p.v + next.offset + next.quadratic * p.v * p.v)));
      const typical = [...residuals].sort((a, b) => a - b)[residuals.length >> 1]!;
      const kept = use.filter((_, i) => residuals[i]! <= Math.max(5 * typical, 0.02));
      this.fitted = next;
      if (kept.length === use.length || kept.length < 1) break;
      use = kept;
    }
  }

  /**
   * Weighted least squares of the departure from the configured transfer: only the offset with
   * points at one output, offset and gain once they span 0.5 V, the curvature too once they span 2 V.
   */
  private fit(points: TransferPoint[], now: number): Transfer {
    const c = this.configured;
    const w = points.map((p) => Math.min(p.n, 10) * 0.5 ** (Math.max(0, now - p.at) / HALF_LIFE_MS));
    const y = points.map((p) => p.hv - (c.gain * p.v + c.offset + c.quadratic * p.v * p.v));
    const vs = points.map((p) => p.v);
    const span = Math.max(...vs) - Math.min(...vs);
    const basis = span >= 2 ? 3 : span >= 0.5 ? 2 : 1;
    const m = Array.from({ length: basis }, () => new Array<number>(basis + 1).fill(0));
    points.forEach((_, k) => {
      const f = [1, vs[k]!, vs[k]! ** 2].slice(0, basis);
      for (let i = 0; i < basis; i++) {
        for (let j = 0; j < basis; j++) m[i]![j]! += w[k]! * f[i]! * f[j]!;
        m[i]![basis]! += w[k]! * f[i]! * y[k]!;
      }
    });
    for (let col = 0; col < basis; col++) {
      const pivot = m[col]![col]!;
      if (Math.abs(pivot) < 1e-12) return { ...c };
      for (let r = 0; r < basis; r++) {
        if (r === col) continue;
        const f = m[r]![col]! / pivot;
        for (let k = col; k <= basis; k++) m[r]![k]! -= f * m[col]![k]!;
      }
    }
    const d = m.map((row, i) => row[basis]! / row[i]!);
    return { offset: c.offset + (d[0] ?? 0), gain: c.gain + (d[1] ?? 0), quadratic: c.quadratic + (d[2] ?? 0) };
  }
}
