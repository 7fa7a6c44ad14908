// How HV demands become output volts: a command through the learned transfer, a correction as a
// change of the output from where it is, so the error a reading both teaches and asks to correct
// is not corrected twice.
import { describe, expect, it } from 'vitest';
import { createActor, toPromise } from 'xstate';
import type { OutputConfig } from '../../schemas/types.js';
import { ManualClock } from '../../src/kit/clock/clock.js';
import { TransferEstimator } from '../../src/hv/control/transfer-estimator.js';
import { blockInstrumentActors, configuredTransfer, learnFrom, type OutputChannel } from '../../src/hv/devices/output-device.js';
import type { OutputInstrument } from '../../src/hv/instruments/instrument.js';

const GAIN = 3500;
const calibration: OutputConfig = { driver: 'fluke-5502e', resource: 'GPIB0::4::INSTR', gain: GAIN, offset: 1, min_volts: 0, max_volts: 10 };

function setup(resolution?: number) {
  const written: number[] = [];
  const instrument: OutputInstrument = {
    ...(resolution ? { quantize: (v: number) => Math.round(v / resolution) * resolution } : {}),
    name: 'cal',
    readOutput: async () => 0,
    setOutput: async (volts) => {
      written.push(volts);
    },
    outputState: async () => ({ operating: true, volts: written.at(-1) ?? 0 }),
  };
  const channel: OutputChannel = { instrument, calibration, estimator: new TransferEstimator(configuredTransfer(calibration)), learnLimitV: 10 };
  const clock = new ManualClock(0);
  const actors = blockInstrumentActors(new Map([[1, channel]]), clock);
  const apply = (volts: number, energize: boolean) => toPromise(createActor(actors.applySetpoint, { input: { block: 1, volts, energize } }).start());
  return { written, channel, apply };
}

describe('output volts for a demand', () => {
  it('moves the output by a correction over the slope, even when the reading that asked for it was learned', async () => {
    const t = setup();
    await t.apply(18000, true);
    const first = t.written[0]!;
    expect(first).toBeCloseTo((18000 - 1) / GAIN, 9);
    // The HV came out 50 mV short: the transfer learns it, and holding corrects the demand by +50 mV.
    expect(learnFrom(t.channel, { voltmeter: 'd', volts: 17999.95, raw: 0, startedAt: 0, endedAt: 2000 }, 0)).toBe('learned');
    await t.apply(18000.05, false);
    expect((t.written[1]! - first) * GAIN).toBeCloseTo(0.05, 6);
    // Through the learned transfer it would have moved twice as far.
    expect((t.channel.estimator!.outputFor(18000.05) - first) * GAIN).toBeCloseTo(0.1, 6);
  });

  it('takes a client\'s command through the learned transfer, so it lands where the readings said', async () => {
    const t = setup();
    await t.apply(18000, true);
    learnFrom(t.channel, { voltmeter: 'd', volts: 17999.95, raw: 0, startedAt: 0, endedAt: 2000 }, 0);
    await t.apply(18000, true);
    expect((t.written[1]! - t.written[0]!) * GAIN).toBeCloseTo(0.05, 6);
  });

  it('moves from the output as the instrument produces it, so a correction lands on the step nearest to where it should', async () => {
    // 10 µV steps: 35 mV of HV. The command's output, 0.6 of a step past a step, is rounded up by the instrument.
    const t = setup(1e-5);
    const step = 1e-5 * GAIN;
    const sent = await t.apply(1 + 3.5 + 0.6 * step, true);
    const produced = Math.round(t.written[0]! / 1e-5) * 1e-5;
    expect(produced).toBeCloseTo(0.00101, 12);
    // The block's demand becomes what the produced output gives: 0.4 of a step above the one asked for.
    expect(sent.demandHv!).toBeCloseTo(1 + 3.5 + step, 9);
    // 24 mV up from there, 0.69 of a step: one step up. From what was written (0.4 of a step below
    // what is produced) it would round to the same step, and the HV would not move at all.
    await t.apply(sent.demandHv! + 0.024, false);
    expect(Math.round((Math.round(t.written[1]! / 1e-5) * 1e-5 - produced) / 1e-5)).toBe(1);
  });
});
