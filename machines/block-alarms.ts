// The block's alarms, pure: how a judged reading raises or clears them, which ones only a
// client's command clears, and the alarms a standby, a hold at its limit or a lost voltmeter raise.

import type { BlockContext } from './block-context.js';
import { isFresh, measuredOutput } from './block-correction.js';
import { judgeReading, type BlockAlarm, type JudgeState, type Verdict } from './reading-judge.js';
import type { Reading } from './types.js';

/** Alarms only a client's command clears: the output in standby, and holding at its limit. */
export const LATCHED: readonly string[] = ['OUTPUT_STANDBY', 'HOLD_LIMIT'];

/** Any alarm but a minor one: a command in flight stops on it. */
export function hasMajorAlarm(alarms: readonly BlockAlarm[]): boolean {
  return alarms.some((a) => a.severity !== 'MINOR');
}

/** The alarm that names why a command stopped: the newest major one, else the newest. */
export function stoppingAlarm(alarms: readonly BlockAlarm[]): BlockAlarm | undefined {
  return alarms.filter((a) => a.severity !== 'MINOR').at(-1) ?? alarms.at(-1);
}

/** The alarms with `alarm` added, replacing one of the same code; a confirmed mismatch replaces the outlier it confirms. */
export function withAlarm(alarms: BlockAlarm[], alarm: BlockAlarm): BlockAlarm[] {
  const confirms = alarm.code === 'NO_OUTPUT' || alarm.code === 'READBACK_MISMATCH';
  return [...alarms.filter((a) => a.code !== alarm.code && !(confirms && a.code === 'READING_OUTLIER')), alarm];
}

/** Alarms a run of `run` plausible readings leaves: all but the latched ones go after two (one when all are minor). */
export function clearedBy(alarms: BlockAlarm[], run: number): BlockAlarm[] {
  const needs = hasMajorAlarm(alarms) ? 2 : 1;
  return run >= needs ? alarms.filter((a) => LATCHED.includes(a.code)) : alarms;
}

/** What a confirmed check leaves: a standby raised under it stays until a command. */
export function afterConfirmation(alarms: BlockAlarm[]): BlockAlarm[] {
  return alarms.filter((a) => a.code === 'OUTPUT_STANDBY');
}

/** A readback fault: no output at all, or not the output the demand should give. */
const isReadback = (code: string) => code === 'NO_OUTPUT' || code === 'READBACK_MISMATCH';

/**
 * Whether a fault is one the block is already in alarm for: a supply coming back passes through
 * readings that are neither 0 nor right, and they are still the same readback fault.
 */
export function knownFault(alarms: readonly BlockAlarm[], verdict: Verdict): boolean {
  return verdict.kind === 'fault' && isReadback(verdict.alarm.code) && alarms.some((a) => isReadback(a.code));
}

/** The alarm a verdict raises, if any: a fault's, or a held reading's when it is gross. */
export function alarmOf(verdict: Verdict): BlockAlarm | null {
  if (verdict.kind === 'fault') return verdict.alarm;
  return verdict.kind === 'held' ? verdict.alarm : null;
}

export const standbyAlarm = (context: BlockContext): BlockAlarm => ({
  code: 'OUTPUT_STANDBY',
  severity: 'MAJOR',
  message: `the output instrument of block ${context.block} is in standby while the demand is ${(context.demand ?? 0).toFixed(3)} V: the block stays off until a client commands a voltage`,
  value: context.demand,
});

export const holdLimitAlarm = (context: BlockContext, moveV: number): BlockAlarm => ({
  code: 'HOLD_LIMIT',
  severity: 'MAJOR',
  message: `holding ${context.setpoint} V would move the demand ${moveV >= 0 ? '+' : '−'}${Math.abs(moveV).toFixed(3)} V from where the command left it (at most ${context.settings.holdLimitV} V): the supply or the voltmeter drifts more than the supply's own drift explains; holding stops until a client commands a voltage`,
  value: moveV,
});

export const noReadingsAlarm = (voltmeter: string, fault: string): BlockAlarm => ({
  code: 'NO_READINGS',
  severity: 'MAJOR',
  message: `no readings: voltmeter ${voltmeter} failed (${fault})`,
  value: null,
});

/** Judges a reading at the output it measured; null when there is no output to judge it against. */
export function judged(context: BlockContext, reading: Reading, frozen = false): { verdict: Verdict; state: JudgeState } | null {
  const measured = measuredOutput(context, reading);
  if (!measured) return null;
  const { nominal, transientV, beforeChange } = measured;
  // What moves the expectation must be fresh by the block's own rule, its floor included.
  const settled = transientV <= context.settings.checks.outlierFloorV / 2 && isFresh(context, reading);
  return judgeReading(context.judge, reading, nominal, context.settings.checks, { transientV, settled, frozen, beforeChange });
}

/** A reading judged as the block takes it while it may act on readings (idle, correcting). */
export interface TakenReading {
  verdict: Verdict;
  judge: JudgeState;
  /** The judge's new state and the alarm the verdict raises, to assign. */
  patch: Pick<BlockContext, 'judge'> & Partial<Pick<BlockContext, 'alarms'>>;
  /** An offset newly trusted, to keep for a restarted actor. */
  trustedOffset: number | null;
  /** False when the reading is a fault or held back: nothing may be corrected, learned or answered on it. */
  actable: boolean;
}

/** A reading judged, as the block takes it; null without an output to judge against. */
export function takeReading(context: BlockContext, reading: Reading): TakenReading | null {
  const outcome = judged(context, reading);
  if (!outcome) return null;
  const { verdict, state } = outcome;
  const alarm = alarmOf(verdict);
  return {
    verdict,
    judge: state,
    patch: alarm ? { judge: state, alarms: withAlarm(context.alarms, alarm) } : { judge: state },
    trustedOffset: newlyTrusted(context.judge, state),
    actable: verdict.kind !== 'fault' && verdict.kind !== 'held',
  };
}

/** The readings' offset, when it has just become (or moved as) a trusted one: to keep for a restarted actor. */
export function newlyTrusted(before: JudgeState, after: JudgeState): number | null {
  return after.offset !== null && after.offset !== before.offset && after.uncertainV === 0 ? after.offset : null;
}
