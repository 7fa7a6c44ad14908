// The basic simulated rack: first-order output, integrating voltmeter with real timing, noise.
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/kit/clock/clock.js';
import { loadConfig } from '../../src/hv/config/load-config.js';
import { SimulatedRack } from '../../sim/simulated-rack.js';
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
  it('answers READ? after 4.02 s, integrating 2 s, with the fitted noise (4.2 mV at 18.6 kV)', async () => {
    const clock = new ManualClock(0);
    const config = loadConfig();
    config.blocks[0]!.simulation.model = 'ideal'; // exactly the configured transfer
    config.voltmeters[0]!.simulation.outlier_rate = 0;
    const rack = new SimulatedRack(config.blocks, config.voltmeters, clock);
    const calibrator = rack.output(1);
    const set = calibrator.handleMessage(`OUT ${((18600 - 1.26) / 3500.5).toFixed(6)} V;OPER`);
    await clock.advance(5000);
    await set;
    const meter = rack.voltmeter('divider-1');
    await meter.handleMessage('VOLT:NPLC 100');
    const volts: number[] = [];
    for (let i = 0; i < 200; i++) {
      const started = clock.now();
      const pending = meter.handleMessage('READ?');
      await clock.advance(4020);
      const answer = (await pending)!;
      expect(answer).toMatch(/^-4\.5918\d{4}E\+00$/);
      expect(clock.now() - started).toBe(4020);
      volts.push(Number(answer) * -4050.65);
    }
    const mean = volts.reduce((a, b) => a + b, 0) / volts.length;
    const sd = Math.sqrt(volts.reduce((a, b) => a + (b - mean) ** 2, 0) / (volts.length - 1));
    expect(mean).toBeCloseTo(18600, 1);
    expect(sd).toBeGreaterThan(0.0042 * 0.8);
    expect(sd).toBeLessThan(0.0042 * 1.2);
  });

  it('refuses an output outside the calibrator’s range with -222', async () => {
    const clock = new ManualClock(0);
    const config = loadConfig();
    const rack = new SimulatedRack(config.blocks, config.voltmeters, clock);
    await rack.output(1).handleMessage('OUT 2000 V');
    expect(await rack.output(1).handleMessage('ERR?')).toBe('-222,"Data out of range"');
  });
});
