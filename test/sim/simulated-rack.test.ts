// The basic simulated rack: first-order output, integrating voltmeter with real timing, noise.
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock/clock.js';
import { loadConfig } from '../../src/config/load-config.js';
import { buildSimulatedRack } from '../../sim/simulated-rack.js';
import { SupplyPlant } from '../../sim/supply-plant.js';

describe('supply plant', () => {
  it('follows a step with a first-order response and integrates its own history exactly', () => {
    const plant = new SupplyPlant({ gain: 1000, offset: 0, tauMs: 500 }, 0, 0);
    plant.setDrive(10, 1000);
    expect(plant.hvAt(1000)).toBeCloseTo(0, 9);
    expect(plant.hvAt(1500)).toBeCloseTo(10000 * (1 - Math.exp(-1)), 6);
    // Mean over a window spanning the step: half at 0 V, half on the rising exponential.
    const expected = (1 / 2000) * (10000 * 1000 - 10000 * 500 * (1 - Math.exp(-2)));
    expect(plant.meanHv(0, 2000)).toBeCloseTo(expected, 6);
  });
});

describe('simulated rack', () => {
  it('reads once every 4.02 s, integrating 2 s, with noise of a few tens of millivolts at HV', async () => {
    const clock = new ManualClock(0);
    const config = loadConfig();
    const rack = buildSimulatedRack(config.blocks, config.voltmeters, clock);
    const set = rack.outputs.get(1)!.setOutput((18600 - 1.26) / 3500.5);
    await clock.advance(5000);
    await set;
    const meter = rack.voltmeters.get('divider-1')!;
    const volts: number[] = [];
    for (let i = 0; i < 200; i++) {
      const started = clock.now();
      const pending = meter.read();
      await clock.advance(4020);
      const r = await pending;
      expect(r.startedAt).toBe(started + 10);
      expect(r.endedAt - r.startedAt).toBe(2000);
      expect(clock.now() - started).toBe(4020);
      volts.push(r.raw * -4050.65);
    }
    const mean = volts.reduce((a, b) => a + b, 0) / volts.length;
    const sd = Math.sqrt(volts.reduce((a, b) => a + (b - mean) ** 2, 0) / (volts.length - 1));
    expect(mean).toBeCloseTo(18600, 1);
    expect(sd).toBeGreaterThan(0.02);
    expect(sd).toBeLessThan(0.04);
  });

  it('refuses an output outside the instrument’s range', async () => {
    const clock = new ManualClock(0);
    const config = loadConfig();
    const rack = buildSimulatedRack(config.blocks, config.voltmeters, clock);
    await expect(rack.outputs.get(1)!.setOutput(10.5)).rejects.toThrow(/output 10.5 V refused; expected 0 to 10 V/);
  });
});
