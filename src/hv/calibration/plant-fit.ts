// Fits the plant model to calibration runs: the static transfer of each day, the step response as
// the voltmeter sees it, the reading noise, the slow drift, outliers, and the calibrator's
// range-change dropout. Pure functions: the runs in, the numbers out.

import type { CalibrationRun, RunReading } from './calibration-runs.js';

/** Readings this long after a setpoint still carry its transient; plateaus start after. */
const SETTLED_AFTER_S = 12;
/** The Fluke 5502E changes range at 3.3 V; crossing it drops the output for a moment. */
export const RANGE_BOUNDARY_VOLTS = 3.3;
/** The 34401A integrates 100 power-line cycles. */
export const INTEGRATION_S = 2;

export interface Plateau {
  calibratorVolts: number;
  hv: number;
  readings: RunReading[];
}

export interface TransferFit {
  run: string;
  /** HV = gain × v + offset + quadratic × v² (v: calibrator volts). */
  gain: number;
  offset: number;
  quadratic: number;
  residualRmsV: number;
  /** The straight line the older servers used, for comparison. */
  linearGain: number;
  linearOffset: number;
  linearResidualRmsV: number;
}

export interface ResponseFit {
  /** The integration window ends this long before the reading's time stamp (its autozero). */
  windowEndBeforeReadingS: number;
  /** First-order time constant of the supply and divider. */
  tauS: number;
  /** Fit quality on readings 2 onward after each setpoint (fraction of the step). */
  rmsFraction: number;
  points: number;
  /** Mean fraction of the step shown by readings 1, 2, 3 after a setpoint: data and model at the data's delays. */
  meanFraction: { data: [number, number, number]; model: [number, number, number] };
}

export interface PlantFit {
  runs: string[];
  periodS: number;
  transfer: TransferFit[];
  response: ResponseFit;
  /** One sigma of a reading at the HV side: sigma0 + perKv × HV / 1000. */
  noise: { sigma0V: number; perKvV: number };
  /** A random walk: variance grows by this many V² per second. */
  drift: { diffusionV2PerS: number; medianSlopeMvPerMin: number };
  outliers: { rate: number; count: number; readings: number; medianSizeV: number };
  rangeGlitch: { calibratorVolts: number; dropoutS: number; seen: number };
}

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
export const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const rms = (xs: number[]): number => Math.sqrt(mean(xs.map((x) => x * x)));

/** The plateau's HV: the median of its readings (robust to the odd outlier). */
export function plateauHv(p: Plateau): number {
  return median(p.readings.map((r) => r.hv));
}

export function plateaus(run: CalibrationRun): Plateau[] {
  return run.setpoints.map((set, i) => {
    const end = run.setpoints[i + 1]?.at ?? Infinity;
    return { calibratorVolts: set.calibratorVolts, hv: set.hv, readings: run.readings.filter((r) => r.at > set.at + SETTLED_AFTER_S && r.at < end) };
  });
}

/** Least squares of y on the polynomial basis 1, x, ..., x^degree. */
export function polyfit(xs: number[], ys: number[], degree: 1 | 2): number[] {
  const n = degree + 1;
  const m = Array.from({ length: n }, () => new Array<number>(n + 1).fill(0));
  xs.forEach((x, k) => {
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) m[i]![j]! += x ** (i + j);
      m[i]![n]! += ys[k]! * x ** i;
    }
  });
  for (let c = 0; c < n; c++) {
    const pivot = m[c]![c]!;
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = m[r]![c]! / pivot;
      for (let k = c; k <= n; k++) m[r]![k]! -= f * m[c]![k]!;
    }
  }
  return m.map((row, i) => row[n]! / row[i]!);
}

export function fitTransfer(run: CalibrationRun): TransferFit {
  const points = plateaus(run).filter((p) => p.readings.length >= 5);
  const xs = points.map((p) => p.calibratorVolts);
  const ys = points.map(plateauHv);
  const [c0, c1, c2] = polyfit(xs, ys, 2) as [number, number, number];
  const [l0, l1] = polyfit(xs, ys, 1) as [number, number];
  return {
    run: run.name,
    gain: c1,
    offset: c0,
    quadratic: c2,
    residualRmsV: rms(ys.map((y, i) => y - (c0 + c1 * xs[i]! + c2 * xs[i]! ** 2))),
    linearGain: l1,
    linearOffset: l0,
    linearResidualRmsV: rms(ys.map((y, i) => y - (l0 + l1 * xs[i]!))),
  };
}

/** Mean, over a window of INTEGRATION_S ending `end` seconds after a unit step, of a first-order response. */
export function windowedStep(end: number, tau: number): number {
  const start = end - INTEGRATION_S;
  const integral = (x: number) => (x <= 0 ? 0 : x - tau * (1 - Math.exp(-x / tau)));
  return end <= 0 ? 0 : (integral(end) - integral(Math.max(start, 0))) / INTEGRATION_S;
}

interface StepPoint {
  /** Seconds from the logged setpoint to the reading's time stamp. */
  delay: number;
  fraction: number;
  index: number;
}

function stepPoints(runs: CalibrationRun[]): StepPoint[] {
  const points: StepPoint[] = [];
  for (const run of runs) {
    const steps = plateaus(run);
    run.setpoints.forEach((set, i) => {
      const prev = run.setpoints[i - 1];
      if (!prev) return;
      // A step across the calibrator's range boundary carries the range-change dropout.
      if ((prev.calibratorVolts - RANGE_BOUNDARY_VOLTS) * (set.calibratorVolts - RANGE_BOUNDARY_VOLTS) < 0) return;
      const before = run.readings.filter((r) => r.at < set.at).at(-1);
      const final = steps[i]!.readings;
      if (!before || final.length < 5) return;
      const target = plateauHv(steps[i]!);
      if (Math.abs(target - before.hv) < 10) return;
      run.readings
        .filter((r) => r.at > set.at)
        .slice(0, 4)
        .forEach((r, index) => points.push({ delay: r.at - set.at, fraction: (r.hv - before.hv) / (target - before.hv), index }));
    });
  }
  return points;
}

export function fitResponse(runs: CalibrationRun[], periodS: number): ResponseFit {
  const all = stepPoints(runs);
  // The first reading after a logged setpoint is left out of the fit: the older server's setpoint
  // waited on the GPIB bus behind the voltmeter's READ?, so the logged time is not when the
  // output changed. From the second reading on, that uncertainty no longer matters.
  const points = all.filter((p) => p.delay > periodS);
  const cost = (end: number, tau: number) => points.reduce((sum, p) => sum + (windowedStep(p.delay - end, tau) - p.fraction) ** 2, 0);
  let best = { end: 0, tau: 0.1, value: Infinity };
  for (let end = 0; end <= 4; end += 0.05) {
    for (let tau = 0.05; tau <= 3; tau += 0.05) {
      const value = cost(end, tau);
      if (value < best.value) best = { end, tau, value };
    }
  }
  // Refine around the grid's best.
  let step = 0.025;
  for (let i = 0; i < 40; i++) {
    const candidates = [
      [best.end + step, best.tau], [best.end - step, best.tau], [best.end, best.tau + step], [best.end, best.tau - step],
    ].filter(([, tau]) => tau! > 0.01);
    const better = candidates.map(([end, tau]) => ({ end: end!, tau: tau!, value: cost(end!, tau!) })).find((c) => c.value < best.value);
    if (better) best = better;
    else step /= 2;
  }
  const fractionAt = (k: number, model: boolean) => {
    const ps = all.filter((p) => p.index === k);
    return mean(ps.map((p) => (model ? windowedStep(p.delay - best.end, best.tau) : p.fraction)));
  };
  return {
    windowEndBeforeReadingS: best.end,
    tauS: best.tau,
    rmsFraction: Math.sqrt(best.value / points.length),
    points: points.length,
    meanFraction: {
      data: [fractionAt(0, false), fractionAt(1, false), fractionAt(2, false)],
      model: [fractionAt(0, true), fractionAt(1, true), fractionAt(2, true)],
    },
  };
}

/** Robust noise of one plateau: MAD of successive differences, scaled to one reading's sigma. */
export function plateauNoise(readings: RunReading[]): number {
  const diffs = readings.slice(1).map((r, i) => r.hv - readings[i]!.hv);
  const m = median(diffs);
  return (1.4826 * median(diffs.map((d) => Math.abs(d - m)))) / Math.SQRT2;
}

/** Least-squares slope of HV against time over some readings, V/s. */
export function slope(readings: RunReading[]): number {
  const t = mean(readings.map((r) => r.at));
  const v = mean(readings.map((r) => r.hv));
  const num = readings.reduce((s, r) => s + (r.at - t) * (r.hv - v), 0);
  const den = readings.reduce((s, r) => s + (r.at - t) ** 2, 0);
  return num / den;
}

export function fitPlant(runs: CalibrationRun[]): PlantFit {
  const periodS = median(runs.flatMap((run) => run.readings.slice(1).map((r, i) => r.at - run.readings[i]!.at)));
  const all = runs.flatMap((run) => plateaus(run)).filter((p) => p.readings.length >= 20);

  const noiseFit = polyfit(all.map((p) => Math.abs(p.hv) / 1000), all.map((p) => plateauNoise(p.readings)), 1);

  // Random walk: the least-squares slope over a plateau of length T has variance 1.2·D/T.
  const slopes = all.map((p) => ({ slope: slope(p.readings), span: p.readings.at(-1)!.at - p.readings[0]!.at }));
  const diffusion = median(slopes.map((s) => (s.slope / 0.6745) ** 2 * (s.span / 1.2)));

  let outliers = 0;
  const sizes: number[] = [];
  let total = 0;
  for (const p of all) {
    const sigma = Math.max(plateauNoise(p.readings), 1e-4);
    p.readings.forEach((r, i) => {
      const around = [p.readings[i - 2], p.readings[i - 1], p.readings[i + 1], p.readings[i + 2]].filter(Boolean) as RunReading[];
      if (around.length < 4) return;
      total++;
      const deviation = r.hv - median(around.map((a) => a.hv));
      if (Math.abs(deviation) > 8 * sigma) {
        outliers++;
        sizes.push(Math.abs(deviation));
      }
    });
  }

  // Range change: the reading that saw it shows the output at 0 V for part of its window.
  const dropouts: number[] = [];
  for (const run of runs) {
    run.setpoints.forEach((set, i) => {
      const prev = run.setpoints[i - 1];
      if (!prev || (prev.calibratorVolts - RANGE_BOUNDARY_VOLTS) * (set.calibratorVolts - RANGE_BOUNDARY_VOLTS) >= 0) return;
      const before = run.readings.filter((r) => r.at < set.at).at(-1);
      const after = run.readings.filter((r) => r.at > set.at).slice(0, 3);
      if (!before || after.length === 0) return;
      const dip = Math.min(...after.map((r) => r.hv));
      if (dip < before.hv) dropouts.push(((before.hv - dip) / before.hv) * INTEGRATION_S);
    });
  }

  return {
    runs: runs.map((r) => r.name),
    periodS,
    transfer: runs.map(fitTransfer),
    response: fitResponse(runs, periodS),
    noise: { sigma0V: noiseFit[0]!, perKvV: noiseFit[1]! },
    drift: { diffusionV2PerS: diffusion, medianSlopeMvPerMin: median(slopes.map((s) => Math.abs(s.slope) * 60_000)) },
    outliers: { rate: total ? outliers / total : 0, count: outliers, readings: total, medianSizeV: sizes.length ? median(sizes) : 0 },
    rangeGlitch: { calibratorVolts: RANGE_BOUNDARY_VOLTS, dropoutS: dropouts.length ? median(dropouts) : 0, seen: dropouts.length },
  };
}

/** The simulators' parameters from a fit (the form of fitted-plant.json). */
export function plantModelFrom(fit: PlantFit, source: string) {
  const round = (x: number, digits = 6) => Number(x.toPrecision(digits));
  return {
    source,
    days: fit.transfer.map((t) => ({ run: t.run, gain: round(t.gain, 9), offset: round(t.offset), quadratic: round(t.quadratic) })),
    tau_s: round(fit.response.tauS, 4),
    window_end_before_reading_s: round(fit.response.windowEndBeforeReadingS, 4),
    noise: { sigma0_v: round(fit.noise.sigma0V, 4), per_kv_v: round(fit.noise.perKvV, 4) },
    drift_v2_per_s: round(fit.drift.diffusionV2PerS, 4),
    outliers: { rate: round(fit.outliers.rate, 4), median_size_v: round(fit.outliers.medianSizeV, 4) },
    range_glitch: { calibrator_volts: fit.rangeGlitch.calibratorVolts, dropout_s: round(fit.rangeGlitch.dropoutS, 4) },
  };
}
