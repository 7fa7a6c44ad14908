// The plant model the simulators use, as fitted to the calibration runs (fitted-plant.json, written
// by `npm run fit-plant -- --write`): one calibration day's transfer, the response, noise, drift,
// outliers and the calibrator's range-change dropout.

import fitted from './fitted-plant.json' with { type: 'json' };

export interface FittedPlant {
  source: string;
  days: { run: string; gain: number; offset: number; quadratic: number }[];
  tau_s: number;
  window_end_before_reading_s: number;
  noise: { sigma0_v: number; per_kv_v: number };
  drift_v2_per_s: number;
  outliers: { rate: number; median_size_v: number };
  range_glitch: { calibrator_volts: number; dropout_s: number };
}

export const FITTED_PLANT = fitted as FittedPlant;

/** One calibration day's static transfer; days beyond the fitted ones wrap around. */
export function fittedDay(day: number): FittedPlant['days'][number] {
  const days = FITTED_PLANT.days;
  return days[((day % days.length) + days.length) % days.length]!;
}
