// Provides the block machine's instrument actors: HV setpoints become output volts through the
// block's calibration (HV = gain × volts + offset), clamped to what the output may produce.

import { fromPromise } from 'xstate';
import type { SetpointSent } from '../../machines/block.machine.js';
import type { OutputConfig } from '../../schemas/types.js';
import type { Clock } from '../clock/clock.js';
import type { OutputInstrument } from '../instruments/instrument.js';

export interface OutputChannel {
  instrument: OutputInstrument;
  calibration: OutputConfig;
}

export function outputVoltsFor(hv: number, c: OutputConfig): number {
  return Math.min(c.max_volts, Math.max(c.min_volts, (hv - c.offset) / c.gain));
}

export function hvFor(outputVolts: number, c: OutputConfig): number {
  return c.gain * outputVolts + c.offset;
}

export function blockInstrumentActors(channels: ReadonlyMap<number, OutputChannel>, clock: Clock) {
  const channel = (block: number): OutputChannel => {
    const found = channels.get(block);
    if (!found) throw new Error(`no output instrument is configured for block ${block}`);
    return found;
  };
  return {
    readSetpoint: fromPromise<number, { block: number }>(async ({ input, signal }) => {
      const { instrument, calibration } = channel(input.block);
      return hvFor(await instrument.readOutput(signal), calibration);
    }),
    applySetpoint: fromPromise<SetpointSent, { block: number; volts: number }>(async ({ input, signal }) => {
      const { instrument, calibration } = channel(input.block);
      await instrument.setOutput(outputVoltsFor(input.volts, calibration), signal);
      return { sentAt: clock.now() };
    }),
  };
}
