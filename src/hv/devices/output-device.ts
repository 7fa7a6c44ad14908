// Provides the block machine's instrument actors: HV demands become output volts through the
// block's transfer (learned, or as configured), clamped to what the output may produce; settled
// readings at a known output teach the transfer.

import { fromPromise } from 'xstate';
import type { OutputFound, OutputState, SetpointSent } from '../../../machines/block.machine.js';
import type { Reading } from '../../../machines/types.js';
import type { OutputConfig } from '../../../schemas/types.js';
import type { Clock } from '../../kit/clock/clock.js';
import { TransferEstimator } from '../control/transfer-estimator.js';
import type { OutputInstrument } from '../instruments/instrument.js';

export interface OutputChannel {
  instrument: OutputInstrument;
  calibration: OutputConfig;
  /** The learned transfer; null to use the configured coefficients only. */
  estimator: TransferEstimator | null;
  /**
   * How far (HV volts) the learned transfer may take the output from what the configured
   * coefficients would send, and how far a reading may disagree with them and still be learned:
   * a voltmeter that is stuck or wrong must not teach the block a wrong transfer.
   */
  learnLimitV: number;
  /** The output volts last written (or found at start). */
  lastOutputVolts?: number;
  /** A client's command switched the output on (kept across restarts of the block's actor). */
  energized?: boolean;
  /** The readings' offset from the nominal HV the block last trusted, and the output it was at. */
  trusted?: { outputVolts: number; offset: number };
}

export function configuredTransfer(c: OutputConfig) {
  return { gain: c.gain, offset: c.offset, quadratic: 0 };
}

function outputVoltsFor(hv: number, channel: OutputChannel): number {
  const c = channel.calibration;
  const configured = (hv - c.offset) / c.gain;
  let volts = configured;
  if (channel.estimator) {
    const limit = channel.learnLimitV / c.gain;
    volts = Math.min(configured + limit, Math.max(configured - limit, channel.estimator.outputFor(hv)));
  }
  return Math.min(c.max_volts, Math.max(c.min_volts, volts));
}

/** How far past a range boundary a correction is held back on its side of it, output volts (70 mV of HV at 3500 V/V). */
const RANGE_MARGIN_V = 2e-5;

/** Output volts read back this close to what was written are the same output (OUT? gives 7 digits). */
const SAME_OUTPUT_V = 2e-5;

/** The HV an output gives by the configured coefficients: fixed, whatever the block has learned. */
function nominalHv(volts: number, channel: OutputChannel): number {
  return channel.calibration.gain * volts + channel.calibration.offset;
}

function hvFor(volts: number, channel: OutputChannel): number {
  return channel.estimator ? channel.estimator.hvFor(volts) : channel.calibration.gain * volts + channel.calibration.offset;
}

export function blockInstrumentActors(channels: ReadonlyMap<number, OutputChannel>, clock: Clock) {
  const channel = (block: number): OutputChannel => {
    const found = channels.get(block);
    if (!found) throw new Error(`no output instrument is configured for block ${block}`);
    return found;
  };
  return {
    readSetpoint: fromPromise<OutputFound, { block: number }>(async ({ input, signal }) => {
      const ch = channel(input.block);
      const volts = await ch.instrument.readOutput(signal);
      // What an earlier actor knew still holds only if the output is what it left (to the read-back's digits).
      const same = (a: number, b: number) => Math.abs(a - b) <= SAME_OUTPUT_V;
      const unchanged = ch.lastOutputVolts !== undefined && same(volts, ch.lastOutputVolts);
      ch.lastOutputVolts = volts;
      const found: OutputFound = { hv: hvFor(volts, ch), nominalHv: nominalHv(volts, ch) };
      if (ch.energized) found.energized = true;
      if (unchanged && ch.trusted && same(ch.trusted.outputVolts, volts)) found.offset = ch.trusted.offset;
      return found;
    }),
    applySetpoint: fromPromise<SetpointSent, { block: number; volts: number; energize: boolean }>(async ({ input, signal }) => {
      const ch = channel(input.block);
      const before = ch.lastOutputVolts;
      let volts = outputVoltsFor(input.volts, ch);
      // Holding and correcting stay in the range the command chose while a few steps of the output
      // would do: crossing would make the output drop out (the HV falls by kilovolts for 0.28 s).
      if (!input.energize && before !== undefined && ch.instrument.keepRange) volts = ch.instrument.keepRange(before, volts, RANGE_MARGIN_V);
      await ch.instrument.setOutput(volts, { energize: input.energize }, signal);
      ch.lastOutputVolts = volts;
      if (input.energize) ch.energized = true;
      // Through a drop-out the supply falls towards 0 and comes back: a step of the whole output at least.
      const dropout = before !== undefined && ch.instrument.dropsOutBetween?.(before, volts) === true;
      const stepHv = Math.max(Math.abs(nominalHv(volts, ch) - nominalHv(before ?? volts, ch)), Math.abs(nominalHv(volts, ch)));
      // Judged against what the output really produces, in its own steps.
      const produced = ch.instrument.quantize?.(volts) ?? volts;
      return { sentAt: clock.now(), nominalHv: nominalHv(produced, ch), ...(dropout ? { stepHv } : {}) };
    }),
    probeOutput: fromPromise<OutputState, { block: number }>(async ({ input, signal }) => channel(input.block).instrument.outputState(signal)),
  };
}

/** The block's learnTransfer action: a settled reading at the output last written, if it is plausible. */
export function learnFrom(channel: OutputChannel | undefined, reading: Reading, now: number): 'learned' | 'implausible' | 'not-learning' {
  if (!channel?.estimator || channel.lastOutputVolts === undefined) return 'not-learning';
  const expected = nominalHv(channel.lastOutputVolts, channel);
  if (Math.abs(reading.volts - expected) > channel.learnLimitV) return 'implausible';
  return channel.estimator.add(channel.lastOutputVolts, reading.volts, now) ? 'learned' : 'not-learning';
}
