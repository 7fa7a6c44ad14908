// The simulated supply's random-walk drift: the same walk however long the plant runs, with only
// the last hour of it kept in memory (a training server runs for weeks).
import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../../sim/random.js';
import { DRIFT_KEPT_STEPS, SupplyPlant } from '../../sim/supply-plant.js';

const parameters = { gain: 3500, offset: 1, tauMs: 500, driftV2PerS: 1e-4, seed: 11 };

/** The walk written out in full: one Gaussian step a second from the start, linear between steps. */
function walkAt(steps: number[], random: SeededRandom, sigma: number, x: number): number {
  const i = Math.floor(x);
  while (steps.length <= i + 1) steps.push(steps.at(-1)! + sigma * random.gaussian());
  return steps[i]! + (steps[i + 1]! - steps[i]!) * (x - i);
}

describe('SupplyPlant drift', () => {
  it('follows the same walk over three days, bit for bit, while keeping at most two hours of it', () => {
    const start = 1_000_000;
    const plant = new SupplyPlant(parameters, 0, start);
    const steps = [0];
    const random = new SeededRandom(11);
    const sigma = Math.sqrt(1e-4);
    const level = plant.meanHv(start, start); // the output itself, without drift
    for (let t = start + 2000; t < start + 3 * 86_400_000; t += 4020) {
      // A reading's window: the plant's mean over it is its output plus the drift at the window's middle.
      const drift = walkAt(steps, random, sigma, (t - 2000 - start) / 1000);
      expect(plant.meanHv(t - 2000, t - 2000)).toBe(level + drift);
    }
    const kept = (plant as unknown as { drift: { values: number[] } }).drift.values.length;
    expect(kept).toBeLessThanOrEqual(2 * DRIFT_KEPT_STEPS + 2);
    expect(steps.length).toBeGreaterThan(250_000);
  });

  it('says so when asked for a time older than it keeps', () => {
    const start = 0;
    const plant = new SupplyPlant(parameters, 0, start);
    plant.meanHv(3 * DRIFT_KEPT_STEPS * 1000, 3 * DRIFT_KEPT_STEPS * 1000);
    expect(() => plant.meanHv(1000, 1000)).toThrow(/drift .* s before the oldest step kept is gone; expected a time at most 3600 s before the latest asked for/);
  });
});
