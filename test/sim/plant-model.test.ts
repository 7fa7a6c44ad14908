// The plant model fitted to the real calibration runs reproduces their statistics within stated tolerances.
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/kit/clock/clock.js';
import { loadRuns, readingsCsv, parseRun, type CalibrationRun } from '../../src/hv/calibration/calibration-runs.js';
import { checkModel, type ModelCheck } from '../../sim/plant/plant-check.js';
import { fitPlant, type PlantFit } from '../../src/hv/calibration/plant-fit.js';
import { FITTED_PLANT } from '../../sim/plant/plant-model.js';
import { Fluke5502E } from '../../sim/devices/fluke-5502e.js';
import { SupplyPlant } from '../../sim/supply-plant.js';

const runs: CalibrationRun[] = loadRuns(fileURLToPath(new URL('../fixtures/calibration', import.meta.url)));
let fit: PlantFit;
let checks: ModelCheck[];

beforeAll(async () => {
  fit = fitPlant(runs);
  checks = await Promise.all(runs.map((run, day) => checkModel(run, day, 1)));
});

describe('plant fit', () => {
  it('finds the rack’s known transfer: a straight line near gain 3500.5 and offset 1.26 V, better as a quadratic', () => {
    for (const t of fit.transfer) {
      expect(t.linearGain).toBeGreaterThan(3500.3);
      expect(t.linearGain).toBeLessThan(3500.8);
      expect(t.linearOffset).toBeGreaterThan(0.9);
      expect(t.linearOffset).toBeLessThan(1.4);
      expect(t.quadratic).toBeLessThan(0);
      expect(t.residualRmsV).toBeLessThanOrEqual(t.linearResidualRmsV);
    }
  });

  it('finds a 4.02 s reading period, a window ending ~2 s before each reading, and a sub-second supply', () => {
    expect(fit.periodS).toBeCloseTo(4.024, 2);
    expect(fit.response.windowEndBeforeReadingS).toBeGreaterThan(1.8);
    expect(fit.response.windowEndBeforeReadingS).toBeLessThan(2.3);
    expect(fit.response.tauS).toBeGreaterThan(0.4);
    expect(fit.response.tauS).toBeLessThan(1.2);
    expect(fit.response.rmsFraction).toBeLessThan(0.03);
  });

  it('is the fit stored in fitted-plant.json (run npm run fit-plant -- --write after changing the data or the fit)', () => {
    expect(FITTED_PLANT.tau_s).toBeCloseTo(fit.response.tauS, 3);
    expect(FITTED_PLANT.noise.sigma0_v).toBeCloseTo(fit.noise.sigma0V, 5);
    expect(FITTED_PLANT.days.map((d) => d.run)).toEqual(fit.runs);
  });
});

describe('plant model against each real run, replayed under the same schedule', () => {
  it('puts each plateau within 0.08 V rms of the real one', () => {
    for (const c of checks) expect(c.plateauRmsV, c.run).toBeLessThan(0.08);
  });

  it('has the real reading noise within a factor of 1.6', () => {
    for (const c of checks) {
      expect(c.model.noiseV / c.data.noiseV, c.run).toBeGreaterThan(1 / 1.6);
      expect(c.model.noiseV / c.data.noiseV, c.run).toBeLessThan(1.6);
    }
  });

  it('shows the same fraction of a step in the second (±0.05) and third (±0.001) readings after a setpoint', () => {
    for (const c of checks) {
      expect(Math.abs(c.model.stepFraction[0] - c.data.stepFraction[0]), c.run).toBeLessThan(0.05);
      expect(Math.abs(c.model.stepFraction[1] - c.data.stepFraction[1]), c.run).toBeLessThan(0.001);
    }
  });

  it('drifts like the rack: median plateau slope within a factor of 3', () => {
    for (const c of checks) {
      expect(c.model.slopeMvPerMin / c.data.slopeMvPerMin, c.run).toBeGreaterThan(1 / 3);
      expect(c.model.slopeMvPerMin / c.data.slopeMvPerMin, c.run).toBeLessThan(3);
    }
  });

  it('reads as often: the same number of readings within 1 %', () => {
    for (const c of checks) expect(Math.abs(c.model.readings / c.data.readings - 1), c.run).toBeLessThan(0.01);
  });
});

describe('simulated calibrator range change', () => {
  it('drops the output for the fitted time when a setpoint crosses 3.3 V, then settles on the new value', async () => {
    const clock = new ManualClock(0);
    const plant = new SupplyPlant({ gain: 3500, offset: 0, tauMs: 1 }, 3.2, 0);
    const fluke = new Fluke5502E('fluke', plant, clock, FITTED_PLANT.range_glitch);
    await fluke.handleMessage('OPER');
    await fluke.handleMessage('OUT 3.4 V');
    await clock.advance(100);
    expect(plant.drive).toBe(0);
    await clock.advance(FITTED_PLANT.range_glitch.dropout_s * 1000);
    expect(plant.drive).toBeCloseTo(3.4, 9);
  });

  it('moves in its range’s resolution: 1 µV below 3.3 V, 10 µV above', async () => {
    const clock = new ManualClock(0);
    const plant = new SupplyPlant({ gain: 1, offset: 0, tauMs: 1 }, 0, 0);
    const fluke = new Fluke5502E('fluke', plant, clock);
    expect(await fluke.handleMessage('OUT 1.2345674 V;OPER;OUT?')).toMatch(/^1\.234567E\+00,V/);
    await fluke.handleMessage('OUT 5.3131552 V');
    expect(plant.drive).toBeCloseTo(5.31316, 9);
  });
});

describe('calibration CSV', () => {
  it('writes readings that read back the same', () => {
    const run = runs[0]!;
    const text = readingsCsv(run.readings.slice(0, 5));
    const again = parseRun('x', '"timestamp","voltage","voltage_scaled"\n', text);
    expect(again.readings.map((r) => r.raw)).toEqual(run.readings.slice(0, 5).map((r) => Number(r.raw.toPrecision(7))));
    expect(again.readings.map((r) => r.at)).toEqual(run.readings.slice(0, 5).map((r) => Math.floor(r.at * 1000) / 1000));
  });
});
