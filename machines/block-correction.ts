// The block's correction arithmetic, pure: how long a change of the output takes to settle in a
// reading, what the recent changes still leave in one, and the demand a correction writes.
//
// A reading is fresh when its integration began after the last output change had settled: the
// supply follows with time constant τ, so a step of S volts still shows about S·k·e^(−t/τ) in a
// reading beginning t after it (k: the window's averaging of the exponential). The settling
// time is the t at which that is below `settleResidualV`, never less than the configured floor.

import { checkCommand, type BlockContext, type CorrectionSettings, type SetpointSent } from './block-context.js';
import type { Reading } from './types.js';

/** A transient this small (volts) is no transient: a change of unknown size long settled does not stop the prediction. */
export const NEGLIGIBLE_V = 1e-4;

/** Output changes remembered for the transients they leave in readings. */
export const STEPS_REMEMBERED = 4;

/** The fraction of a step's transient left in a reading that begins as the step is made (the window's averaging of e^(−t/τ)). */
export function windowFactor(c: CorrectionSettings): number {
  return (c.responseTauMs / c.integrationMs) * (1 - Math.exp(-c.integrationMs / c.responseTauMs));
}

/** How long after an output change of `stepV` volts a reading may begin and show less than `residualV` of it. */
export function settleTimeMs(stepV: number, c: CorrectionSettings, floorMs: number, residualV = c.settleResidualV): number {
  const tau = c.responseTauMs;
  const residual = Math.abs(stepV) * windowFactor(c);
  if (residual <= residualV) return floorMs;
  return Math.max(floorMs, tau * Math.log(residual / residualV));
}

/** Whether the last output change has settled in `reading` to below `residualV`. */
export function isFresh(context: BlockContext, reading: Reading, residualV = context.settings.correction.settleResidualV): boolean {
  const last = context.recentSteps.at(-1);
  if (!last) return true;
  return reading.startedAt >= last.at + settleTimeMs(last.stepV, context.settings.correction, context.settings.settleMs, residualV);
}

/**
 * Whether a reading may answer a check: for our strategy, once what is left of the last change in
 * it is below a quarter of the tolerance (corrections wait for the stricter settleResidualV); the
 * older servers' strategies answer on any reading begun after the change, as they did.
 */
export function mayAnswer(context: BlockContext, reading: Reading, maxError: number): boolean {
  if (context.settings.correction.strategy !== 'ours') return beganAfterChange(context, reading) && isFresh(context, reading, Infinity);
  return isFresh(context, reading, Math.max(context.settings.correction.settleResidualV, maxError / 4));
}

/** The half-error strategy waits only for readings that began after the change, as the older server did. */
export function beganAfterChange(context: BlockContext, reading: Reading): boolean {
  const last = context.recentSteps.at(-1);
  return !last || reading.startedAt >= last.at;
}

const clamp = (x: number, limit: number) => Math.max(-limit, Math.min(limit, x));

/**
 * The demand after correcting `error` volts, by the block's strategy: each step bounded, and the
 * total kept within maxTotalV of the setpoint, so a stuck or wrong voltmeter cannot walk the HV
 * away. Null when there is nothing to change.
 */
export function correctedDemand(context: BlockContext, error: number, smoothed = error): number | null {
  const c = context.settings.correction;
  if (c.strategy === 'none' || context.demand === null || context.setpoint === null) return null;
  const step = c.strategy === 'half' ? -error / 2 : -smoothed;
  const wanted = context.demand + clamp(step, c.maxStepV);
  const demand = reachable(context, context.setpoint + clamp(wanted - context.setpoint, c.maxTotalV));
  return demand === context.demand ? null : demand;
}

/** A demand the output can produce: nothing winds up against the output's own limits. */
export function reachable(context: BlockContext, demand: number): number {
  const [low, high] = context.settings.demandRange;
  return Math.min(high, Math.max(low, demand));
}

/** How long the transient of the change just written needs before a reading can answer or correct. */
export function announcedSettle(context: BlockContext): { block: number; settleMs: number } {
  const command = checkCommand(context);
  const residual = command ? Math.max(context.settings.correction.settleResidualV, command.max_error / 4) : 0.025;
  return { block: context.block, settleMs: settleTimeMs(context.recentSteps.at(-1)?.stepV ?? 0, context.settings.correction, context.settings.settleMs, residual) };
}

/** After the output was written: when, and by how much it moved. */
export function written(context: BlockContext, sent: SetpointSent): Partial<BlockContext> {
  // The signed change of what the output produces (its own steps included), for the transient's
  // sign and size; unknown through a drop-out, and when there was no output before.
  const before = context.nominal ?? context.demand;
  const deltaV = sent.stepHv === undefined && before !== null ? (sent.nominalHv ?? context.pendingDemand ?? before) - before : null;
  // The step the supply sees: a correction smaller than the output's own step still moves it a whole step.
  const stepV = sent.stepHv ?? Math.max(Math.abs((context.pendingDemand ?? 0) - (context.demand ?? 0)), Math.abs(deltaV ?? 0));
  const demand = sent.demandHv ?? context.pendingDemand;
  return {
    recentSteps: [...context.recentSteps, { at: sent.sentAt, stepV, deltaV }].slice(-STEPS_REMEMBERED),
    demand,
    // Holding starts from a command's last correction as the output produces it.
    holdFrom: context.holdFrom !== null && context.holdFrom === context.pendingDemand ? demand : context.holdFrom,
    nominal: sent.nominalHv ?? context.pendingDemand,
    pendingDemand: null,
  };
}

/**
 * What the recent output changes may still leave in a reading (volts): each step's transient,
 * the whole step for one made after the reading began.
 */
export function transientIn(context: BlockContext, reading: Reading): number {
  const c = context.settings.correction;
  let left = 0;
  for (const { at, stepV } of context.recentSteps) {
    left += reading.startedAt < at ? stepV : stepV * windowFactor(c) * Math.exp(-(reading.startedAt - at) / c.responseTauMs);
  }
  return left;
}

/**
 * What the recent output changes still leave in a reading, with its sign (volts; negative when the
 * output is still rising towards a step up): the first-order response's prediction. Null when a
 * change is of unknown size or was made after the reading began, so no prediction can be taken out.
 */
export function signedTransientIn(context: BlockContext, reading: Reading): number | null {
  const c = context.settings.correction;
  let left = 0;
  for (const { at, stepV, deltaV } of context.recentSteps) {
    if (reading.startedAt < at) return null;
    const decay = windowFactor(c) * Math.exp(-(reading.startedAt - at) / c.responseTauMs);
    if (deltaV === null) {
      if (stepV * decay > NEGLIGIBLE_V) return null;
      continue;
    }
    left -= deltaV * decay;
  }
  return left;
}

/**
 * A reading's error against `target` with the predicted transient taken out: what a correction
 * should act on. A reading may count before a change has settled in it (an answer with up to a
 * quarter of the tolerance left), and correcting on the raw error would overshoot by what is left.
 */
export function settledError(context: BlockContext, reading: Reading, target: number): number {
  const error = reading.volts - target;
  if (context.settings.correction.strategy !== 'ours') return error;
  return error - (signedTransientIn(context, reading) ?? 0);
}

/**
 * The output a reading measured: changes made after its integration ended are not in it, so it is
 * judged against the output before them (and as carrying only the transients of earlier ones);
 * when one of them is of unknown size, against the output as it is now. Null before there is an output.
 */
export function measuredOutput(context: BlockContext, reading: Reading): { nominal: number; transientV: number; beforeChange: boolean } | null {
  if (context.nominal === null) return null;
  const later = context.recentSteps.filter((s) => s.at >= reading.endedAt);
  if (later.length === 0 || later.some((s) => s.deltaV === null)) return { nominal: context.nominal, transientV: transientIn(context, reading), beforeChange: false };
  const before = { ...context, recentSteps: context.recentSteps.filter((s) => s.at < reading.endedAt) };
  return { nominal: context.nominal - later.reduce((sum, s) => sum + s.deltaV!, 0), transientV: transientIn(before, reading), beforeChange: true };
}
