// Provides the block machine's instrument actors: HV demands become output volts through the
// block's transfer (learned, or as configured), clamped to what the output may produce; settled
// readings at a known output teach the transfer.

import { fromPromise } from 'xstate';
import { outputProber, type OutputFound, type OutputState, type SetpointSent } from '../../../machines/block.machine.js';
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
  /** The HV demand those volts were written for (or the HV found at start). */
  lastDemandHv?: number;
  /** A client's command switched the output on (kept across restarts of the block's actor). */
  energized?: boolean;
  /** The readings' offset from the nominal HV the block last trusted, and the output it was at. */
  trusted?: { outputVolts: number; offset: number };
}

export function configuredTransfer(c: OutputConfig) {
  return { gain: c.gain, offset: c.offset, quadratic: 0 };
}

/**
 * Output volts for an HV demand. A client's command goes through the transfer (learned, or as
 * configured). A correction moves the output from where it is by the change of demand over the
 * transfer's slope there: the readings that asked for the correction may meanwhile have taught the
 * transfer the same error, and mapping the whole demand through the new transfer would correct it twice.
 */
function outputVoltsFor(hv: number, channel: OutputChannel, energize: boolean): number {
  const c = channel.calibration;
  const configured = (hv - c.offset) / c.gain;
  let volts = configured;
  if (channel.estimator) {
    const limit = channel.learnLimitV / c.gain;
    // From the output as produced, in the instrument's own steps: the change then lands on the step
    // nearest to where it is meant to go, not one off by what the last write's rounding left.
    const last = channel.lastOutputVolts === undefined ? undefined : (channel.instrument.quantize?.(channel.lastOutputVolts) ?? channel.lastOutputVolts);
    const fromLast = !energize && last !== undefined && channel.lastDemandHv !== undefined;
    const learned = fromLast ? last + (hv - channel.lastDemandHv!) / channel.estimator.slopeAt(last) : channel.estimator.outputFor(hv);
    volts = Math.min(configured + limit, Math.max(configured - limit, learned));
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
      // The demand the output was written for, while it is still that output: corrections move the
      // output from where it is, so the transfer learned since may put it elsewhere (a restart must not change the demand).
      const hv = unchanged && ch.lastDemandHv !== undefined ? ch.lastDemandHv : hvFor(volts, ch);
      const found: OutputFound = { hv, nominalHv: nominalHv(volts, ch) };
      ch.lastDemandHv = hv;
      if (ch.energized) found.energized = true;
      if (unchanged && ch.trusted && same(ch.trusted.outputVolts, volts)) found.offset = ch.trusted.offset;
      return found;
    }),
    applySetpoint: fromPromise<SetpointSent, { block: number; volts: number; energize: boolean }>(async ({ input, signal }) => {
      const ch = channel(input.block);
      const before = ch.lastOutputVolts;
      const wanted = outputVoltsFor(input.volts, ch, input.energize);
      let volts = wanted;
      // Holding and correcting stay in the range the command chose while a few steps of the output
      // would do: crossing would make the output drop out (the HV falls by kilovolts for 0.28 s).
      if (!input.energize && before !== undefined && ch.instrument.keepRange) volts = ch.instrument.keepRange(before, volts, RANGE_MARGIN_V);
      await ch.instrument.setOutput(volts, { energize: input.energize }, signal);
      ch.lastOutputVolts = volts;
      // Judged against what the output really produces, in its own steps.
      const produced = ch.instrument.quantize?.(volts) ?? volts;
      // The demand the output as produced gives: rounded to the instrument's step, or held back at a
      // range boundary, it is off the one asked for by as much. Corrections go on from it, so the
      // output follows the demand without the roundings adding up (holding's limit bounds the HV).
      const demandHv = input.volts + (produced - wanted) * (ch.estimator?.slopeAt(volts) ?? ch.calibration.gain);
      ch.lastDemandHv = demandHv;
      if (input.energize) ch.energized = true;
      // Through a drop-out the supply falls towards 0 and comes back: a step of the whole output at least.
      const dropout = before !== undefined && ch.instrument.dropsOutBetween?.(before, volts) === true;
      const stepHv = Math.max(Math.abs(nominalHv(volts, ch) - nominalHv(before ?? volts, ch)), Math.abs(nominalHv(volts, ch)));
      return { sentAt: clock.now(), nominalHv: nominalHv(produced, ch), ...(ch.estimator ? { demandHv } : {}), ...(dropout ? { stepHv } : {}) };
    }),
    probeOutput: outputProber(async (block, signal) => channel(block).instrument.outputState(signal)),
  };
}

/** The block's learnTransfer action: a settled reading at the output last written, if it is plausible. */
export function learnFrom(channel: OutputChannel | undefined, reading: Reading, now: number): 'learned' | 'implausible' | 'not-learning' {
  if (!channel?.estimator || channel.lastOutputVolts === undefined) return 'not-learning';
  const expected = nominalHv(channel.lastOutputVolts, channel);
  if (Math.abs(reading.volts - expected) > channel.learnLimitV) return 'implausible';
  return channel.estimator.add(channel.lastOutputVolts, reading.volts, now) ? 'learned' : 'not-learning';
}
