// What the block does with a reading in each of its states, pure: a list of steps (assign, an
// effect, an event raised) that the chart performs in order. Holding corrects drift, a check
// answers or corrects, an alarm only judges and clears.

import { clearedBy, holdLimitAlarm, knownFault, takeReading, judged, withAlarm } from './block-alarms.js';
import { confirmedReply } from './block-answers.js';
import { checkCommand, type BlockContext, type BlockEvent } from './block-context.js';
import { beganAfterChange, correctedDemand, isFresh, mayAnswer, settledError } from './block-correction.js';
import type { Reading, Reply } from './types.js';

/** An effect of the chart's own (named actions provided by the rack manager). */
export type BlockEffect =
  | { type: 'reply'; params: Reply }
  | { type: 'note'; params: { message: string; fields?: Record<string, unknown> } }
  | { type: 'learnTransfer'; params: { reading: Reading } }
  | { type: 'rememberOffset'; params: { offset: number } };

/** One step of the block's answer to a reading: the chart performs them in this order. */
export type BlockStep = { assign: Partial<BlockContext> } | { effect: BlockEffect } | { raise: Extract<BlockEvent, { type: 'CHECK_CONFIRMED' }> };

/**
 * Idle: every reading is judged (what is left of a change in it widens the tolerance), so a trip
 * shows in the first reading it reaches; holding waits for settled readings, smooths their error
 * and corrects past the deadband, at most holdLimitV from where holding began.
 */
export function whileHolding(context: BlockContext, reading: Reading): BlockStep[] {
  const steps: BlockStep[] = [{ assign: { lastReading: reading } }];
  const c = context.settings.correction;
  const taken = takeReading(context, reading);
  if (!taken) return steps;
  const { verdict } = taken;
  steps.push({ assign: taken.patch });
  if (taken.trustedOffset !== null) steps.push({ effect: { type: 'rememberOffset', params: { offset: taken.trustedOffset } } });
  if (!taken.actable) return steps;
  // The half strategy, as the older server, waits for any reading begun after the change.
  const settled = c.strategy === 'half' ? beganAfterChange(context, reading) : isFresh(context, reading);
  if (!settled) return steps;
  if (context.adopting) {
    steps.push({ assign: { setpoint: reading.volts, adopting: false } });
    steps.push({ effect: { type: 'note', params: { message: `holding the voltage found at start, as measured: ${reading.volts.toFixed(3)} V` } } });
    return steps;
  }
  if (context.setpoint === null || !c.hold || c.strategy === 'none' || context.energized === false) return steps;
  const error = settledError(context, reading, context.setpoint);
  if (c.strategy === 'half') {
    steps.push({ assign: { pendingDemand: correctedDemand(context, error) } });
    return steps;
  }
  const smoothed = verdict.kind === 'confirmed' || context.holdError === null ? error : context.holdError + 0.5 * (error - context.holdError);
  steps.push({ assign: { holdError: smoothed } });
  if (verdict.kind === 'plausible' && context.demand === context.holdFrom) steps.push({ effect: { type: 'learnTransfer', params: { reading } } });
  if (Math.abs(smoothed) <= c.holdDeadbandV) return steps;
  const demand = correctedDemand(context, error, smoothed);
  const from = context.holdFrom ?? context.demand!;
  if (demand !== null && Math.abs(demand - from) > context.settings.holdLimitV) {
    steps.push({ assign: { alarms: withAlarm(context.alarms, holdLimitAlarm(context, demand - from)) } });
    return steps;
  }
  steps.push({ assign: { pendingDemand: demand } });
  return steps;
}

/**
 * Correcting for a check: a plausible reading within the tolerance, settled enough to answer,
 * answers ok and raises CHECK_CONFIRMED (with a last correction when holding would make one);
 * one settled enough to steer a correction sets the demand to write.
 */
export function whileChecking(context: BlockContext, reading: Reading): BlockStep[] {
  const steps: BlockStep[] = [{ assign: { lastReading: reading } }];
  const c = context.settings.correction;
  const command = checkCommand(context)!;
  const error = reading.volts - command.voltage;
  const answers = mayAnswer(context, reading, command.max_error) && Math.abs(error) <= command.max_error;
  // A correction does not need the transient gone, only small against what it corrects:
  // with at most a quarter of the error left in the reading, it is at worst 25 % off.
  const usable =
    answers || (c.strategy === 'half' ? beganAfterChange(context, reading) : isFresh(context, reading, Math.max(c.settleResidualV, Math.abs(error) / 4)));
  // Judged even before it is usable (the transient widens the tolerance): a fault shows at once.
  const taken = takeReading(context, reading);
  if (!taken) return steps;
  const { verdict } = taken;
  steps.push({ assign: taken.patch });
  if (taken.trustedOffset !== null) steps.push({ effect: { type: 'rememberOffset', params: { offset: taken.trustedOffset } } });
  if (!taken.actable || !usable) return steps;
  // Plausible again: a held spike's alarm is over.
  steps.push({ assign: { alarms: clearedBy(context.alarms, taken.judge.plausibleRun) } });
  // Learned only once the change has settled in it (an answer may come with up to a quarter of the tolerance left).
  const learns = c.strategy === 'ours' && verdict.kind === 'plausible' && isFresh(context, reading);
  if (learns) steps.push({ effect: { type: 'learnTransfer', params: { reading } } });
  if (answers) {
    steps.push({ effect: { type: 'reply', params: confirmedReply({ ...context, lastReading: reading }) } });
    steps.push({ raise: { type: 'CHECK_CONFIRMED', lastCorrection: lastCorrection(context, reading, command.voltage) } });
    return steps;
  }
  const demand = correctedDemand(context, settledError(context, reading, command.voltage));
  if (demand !== null) steps.push({ assign: { pendingDemand: demand } });
  return steps;
}

/**
 * The answer's reading is also the best estimate of where the output landed: an error the hold
 * would correct is corrected now, as the command's last correction, rather than a reading later
 * (holding then starts from the corrected demand). Null when there is none to make.
 */
export function lastCorrection(context: BlockContext, reading: Reading, target: number): number | null {
  const c = context.settings.correction;
  const left = settledError(context, reading, target);
  if (c.strategy !== 'ours' || !c.hold || Math.abs(left) <= c.holdDeadbandV) return null;
  const demand = correctedDemand(context, left);
  return demand !== null && Math.abs(demand - context.demand!) <= context.settings.holdLimitV ? demand : null;
}

/**
 * In alarm: readings are judged with the expectation frozen; a new fault is raised (not the same
 * readback fault again), plausible readings clear all but the latched alarms.
 */
export function whileAlarmed(context: BlockContext, reading: Reading): BlockStep[] {
  const steps: BlockStep[] = [{ assign: { lastReading: reading } }];
  const outcome = judged(context, reading, true);
  if (!outcome) return steps;
  steps.push({ assign: { judge: outcome.state } });
  const { verdict } = outcome;
  if (verdict.kind === 'fault' && !knownFault(context.alarms, verdict)) steps.push({ assign: { alarms: withAlarm(context.alarms, verdict.alarm) } });
  else if (verdict.kind === 'plausible') {
    const left = clearedBy(context.alarms, outcome.state.plausibleRun);
    if (left.length < context.alarms.length) {
      steps.push({ effect: { type: 'note', params: { message: `alarms cleared: readings are back at ${reading.volts.toFixed(3)} V, where the demand puts them` } } });
    }
    steps.push({ assign: { alarms: left } });
  }
  return steps;
}
