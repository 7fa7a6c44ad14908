// Runs the simulated chain (Fluke 5502E → supply plant → 34401A) under a setpoint schedule in
// virtual time, and returns readings as the lab records them: a simulated day next to a real one.

import { ManualClock } from '../../src/kit/clock/clock.js';
import { Agilent34401A } from '../devices/agilent-34401a.js';
import { Fluke5502E } from '../devices/fluke-5502e.js';
import { SeededRandom } from '../random.js';
import { SupplyPlant } from '../supply-plant.js';
import type { RunReading, Setpoint } from '../../src/hv/calibration/calibration-runs.js';
import { MAIN_DIVIDER_RATIO } from '../../src/hv/calibration/calibration-runs.js';
import { FITTED_PLANT, fittedDay } from './plant-model.js';

export interface ReplayOptions {
  seed: number;
  /** Which fitted calibration day's transfer the supply has. */
  day: number;
  /** Seconds of readings after the last setpoint. */
  tailS?: number;
}

export async function replay(setpoints: Setpoint[], options: ReplayOptions): Promise<RunReading[]> {
  if (setpoints.length === 0) return [];
  const first = setpoints[0]!.at * 1000;
  const clock = new ManualClock(first - 60_000);
  const transfer = fittedDay(options.day);
  const plant = new SupplyPlant(
    { ...transfer, tauMs: FITTED_PLANT.tau_s * 1000, driftV2PerS: FITTED_PLANT.drift_v2_per_s, seed: options.seed },
    setpoints[0]!.calibratorVolts,
    clock.now(),
  );
  const fluke = new Fluke5502E('calibrator', plant, clock, FITTED_PLANT.range_glitch);
  const random = new SeededRandom(options.seed + 1);
  const meter = new Agilent34401A('voltmeter', plant, MAIN_DIVIDER_RATIO, clock, random, {
    sigma0V: FITTED_PLANT.noise.sigma0_v,
    perKvV: FITTED_PLANT.noise.per_kv_v,
    outlierRate: FITTED_PLANT.outliers.rate,
    outlierV: FITTED_PLANT.outliers.median_size_v,
  });
  await meter.handleMessage('*RST;CONF:VOLT:DC 10,0.00001;VOLT:NPLC 100');
  await fluke.handleMessage(`OUT ${setpoints[0]!.calibratorVolts.toFixed(6)} V;OPER`);
  for (const set of setpoints.slice(1)) {
    clock.setTimeout(() => void fluke.handleMessage(`OUT ${set.calibratorVolts.toFixed(6)} V`), set.at * 1000 - clock.now());
  }
  const end = setpoints.at(-1)!.at * 1000 + (options.tailS ?? 600) * 1000;
  const readings: RunReading[] = [];
  while (clock.now() < end) {
    const answer = meter.handleMessage('READ?');
    await clock.advance(meter.readingTimeMs);
    const raw = Number(await answer);
    if (clock.now() >= first) readings.push({ at: clock.now() / 1000, raw, hv: raw * MAIN_DIVIDER_RATIO });
  }
  return readings;
}
