// How well the plant model reproduces a real run: the same statistics computed on the run and on
// its replay under the same setpoint schedule.

import type { CalibrationRun } from '../../src/hv/calibration/calibration-runs.js';
import { mean, median, plateauHv, plateaus, plateauNoise, RANGE_BOUNDARY_VOLTS, slope } from '../../src/hv/calibration/plant-fit.js';
import { replay } from './replay.js';

export interface RunStatistics {
  readings: number;
  /** Median HV of each setpoint's plateau. */
  plateauHv: number[];
  /** Median of the plateaus' reading noise (V). */
  noiseV: number;
  /** Median |slope| over plateaus (mV/min). */
  slopeMvPerMin: number;
  /** Mean fraction of a 1 kV step in readings 2 and 3 after each setpoint (away from the range change). */
  stepFraction: [number, number];
  /** Deepest dip below the earlier plateau in the readings just after crossing the calibrator's range boundary (V). */
  rangeChangeDipV: number;
}


export function runStatistics(run: CalibrationRun): RunStatistics {
  const steps = plateaus(run);
  const long = steps.filter((p) => p.readings.length >= 20);
  const fractions: [number[], number[]] = [[], []];
  let dip = 0;
  run.setpoints.forEach((set, i) => {
    const prev = run.setpoints[i - 1];
    const before = run.readings.filter((r) => r.at < set.at).at(-1);
    const after = run.readings.filter((r) => r.at > set.at).slice(0, 3);
    if (!prev || !before || after.length < 3 || steps[i]!.readings.length < 5) return;
    if ((prev.calibratorVolts - RANGE_BOUNDARY_VOLTS) * (set.calibratorVolts - RANGE_BOUNDARY_VOLTS) < 0) {
      dip = Math.max(dip, before.hv - Math.min(...after.map((r) => r.hv)));
      return;
    }
    const target = plateauHv(steps[i]!);
    if (Math.abs(target - before.hv) < 10) return;
    fractions[0].push((after[1]!.hv - before.hv) / (target - before.hv));
    fractions[1].push((after[2]!.hv - before.hv) / (target - before.hv));
  });
  return {
    readings: run.readings.length,
    plateauHv: steps.map((p) => (p.readings.length ? plateauHv(p) : NaN)),
    noiseV: median(long.map((p) => plateauNoise(p.readings))),
    slopeMvPerMin: median(long.map((p) => Math.abs(slope(p.readings)) * 60_000)),
    stepFraction: [mean(fractions[0]), mean(fractions[1])],
    rangeChangeDipV: dip,
  };
}

export interface ModelCheck {
  run: string;
  data: RunStatistics;
  model: RunStatistics;
  /** RMS difference of the plateau means, model − data (V). */
  plateauRmsV: number;
}

/** Replays `run`'s schedule through the model with that day's transfer and compares. */
export async function checkModel(run: CalibrationRun, day: number, seed: number): Promise<ModelCheck> {
  const tailS = run.readings.at(-1)!.at - run.setpoints.at(-1)!.at;
  const readings = (await replay(run.setpoints, { seed, day, tailS })).filter((r) => r.at >= run.readings[0]!.at);
  const simulated: CalibrationRun = { name: `${run.name} (model)`, setpoints: run.setpoints, readings };
  const data = runStatistics(run);
  const model = runStatistics(simulated);
  const diffs = data.plateauHv.map((hv, i) => model.plateauHv[i]! - hv).filter(Number.isFinite);
  return { run: run.name, data, model, plateauRmsV: Math.sqrt(mean(diffs.map((d) => d * d))) };
}
