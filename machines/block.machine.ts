// One HV block: adopts the present output at start, takes one command at a time, closes the loop
// on fresh readings until the voltage is within the command's tolerance, and keeps holding it
// against drift while idle.
//
// A reading is fresh when its integration began after the last output change had settled: the
// supply follows with time constant τ, so a step of S volts still shows about S·k·e^(−t/τ) in a
// reading beginning t after it (k: the window's averaging of the exponential). The settling
// time is the t at which that is below `settleResidualV`, never less than the configured floor.

import { assign, cancel, enqueueActions, fromPromise, setup } from 'xstate';
import type { Command, SetVoltageAndCheckCommand } from '../schemas/types.js';
import { afterNewSetpoint, freshJudge, judgeReading, type BlockAlarm, type CheckSettings, type JudgeState, type Verdict } from './reading-judge.js';
import { topState } from '../src/kit/machines/top-state.js';
import type { CommandEvent, Fault, Origin, Reading, ReadingEvent, Reply } from './types.js';
import { errorReply, errorText, isStandbyError } from './types.js';

export type CorrectionStrategy = 'ours' | 'half' | 'none';

export interface CorrectionSettings {
  /** ours: fresh readings, full steps, holding with a deadband; half: half the error on each reading (the older C++ server); none: never (the older Python server). */
  strategy: CorrectionStrategy;
  /** Largest change of the demand in one correction, volts. */
  maxStepV: number;
  /** Furthest the corrections may take the demand from the setpoint, volts. */
  maxTotalV: number;
  /** Whether an idle block keeps correcting drift. */
  hold: boolean;
  /** An idle block corrects once its smoothed error passes this, volts. */
  holdDeadbandV: number;
  /** A reading counts once the last output change's transient in it is below this, volts. */
  settleResidualV: number;
  /** The supply's response time constant and the voltmeter's integration time, ms. */
  responseTauMs: number;
  integrationMs: number;
}

export interface BlockInput {
  block: number;
  name: string;
  /** The shortest time after an output change before a reading may count. */
  settleMs: number;
  correction: CorrectionSettings;
  /** What makes a reading plausible, stale or a sign of a fault. */
  checks: CheckSettings;
  /** How often an idle block asks its output instrument whether it still operates, ms. */
  outputCheckMs: number;
  /** The furthest holding may move the demand from where the command left it, volts. */
  holdLimitV: number;
  /** The HV the output can produce, lowest and highest (its volts' limits through the configured transfer). */
  demandRange: [number, number];
}

interface CommandInFlight {
  command: Command;
  origin: Origin;
  /** Why the command must end as soon as the output is written: its timeout passed, or shutdown. */
  ending: null | 'timeout' | 'shutdown';
}

export interface BlockContext {
  block: number;
  name: string;
  settleMs: number;
  correction: CorrectionSettings;
  /** HV volts the operator asked for; adopted from the instrument at start. */
  setpoint: number | null;
  /** HV volts last written to the output: the setpoint plus the corrections made since. */
  demand: number | null;
  /** What that output gives by the configured transfer (see SetpointSent.nominalHv): what readings are judged against. */
  nominal: number | null;
  /** Demand being written (while adjusting). */
  pendingDemand: number | null;
  /**
   * The last few output changes (clock ms, volts), newest last: the newest sets the freshness rule,
   * and a reading begun before it still carries the ones before it.
   */
  recentSteps: { at: number; stepV: number; deltaV: number | null }[];
  /**
   * Until a command comes, the block holds what it found, as measured: the setpoint adopted at
   * start comes from the transfer's estimate, so the first settled reading replaces it rather
   * than being corrected towards it (a restart must not change the HV).
   */
  adopting: boolean;
  /** Smoothed error of plausible fresh readings while holding. */
  holdError: number | null;
  /**
   * The demand holding began from (after a command, or as found at start). Holding moves the demand
   * at most `holdLimitV` from it, and the transfer is learned only until holding first corrects: a
   * voltmeter drifting too slowly to see in one reading can neither walk the HV nor teach the transfer.
   */
  holdFrom: number | null;
  corrections: number;
  lastReading: Reading | null;
  inFlight: CommandInFlight | null;
  fault: string | null;
  checks: CheckSettings;
  outputCheckMs: number;
  holdLimitV: number;
  demandRange: [number, number];
  /** The reading checks' memory (expectation, held reading, repeats, drift). */
  judge: JudgeState;
  /** Active alarms; any one of them keeps the block from correcting. OUTPUT_STANDBY stays until a command. */
  alarms: BlockAlarm[];
  /**
   * Whether the output is switched on: true once a command energized it (or it was found operating),
   * false when found in standby at start (a rack at rest, nothing to hold), null until first asked.
   * A standby is an alarm only when the output was on.
   */
  energized: boolean | null;
}

export type BlockEvent =
  | CommandEvent
  | ReadingEvent
  | { type: 'COMMAND_TIMEOUT' }
  | { type: 'ABORT'; reason: string }
  /** The block's voltmeter failed: no readings until it is back. */
  | { type: 'VOLTMETER_LOST'; voltmeter: string; fault: string }
  /** Internal: a plausible reading within the tolerance answered the check; `lastCorrection`: a demand to write as the command's last correction. */
  | { type: 'CHECK_CONFIRMED'; lastCorrection: number | null };

/** What the output instrument says of itself: operating or in standby, and its output volts. */
export interface OutputState {
  operating: boolean;
  volts: number;
}

export interface SetpointSent {
  /** Clock time when the instrument accepted the output. */
  sentAt: number;
  /**
   * The HV the written output gives by the configured (fixed) transfer; the demand when left out.
   * The reading checks compare readings with this, so that learning the transfer, which changes
   * the output written for a demand, is not taken for a change of the plant.
   */
  nominalHv?: number;
  /**
   * The demand the output as produced gives, when the output moves by changes of demand from where
   * it is (a learned transfer): the one asked for, rounded to the instrument's step. The block's
   * demand becomes this, so its limits bound the output itself. The demand asked for when left out.
   */
  demandHv?: number;
  /**
   * How big a step the supply saw, when more than the change of demand: the whole output when the
   * instrument dropped out for a moment (a calibrator changing range). Sets the settling time.
   */
  stepHv?: number;
}

/** What the output instrument produces at start: the HV as the block's transfer sees it, and by the configured one. */
export interface OutputFound {
  hv: number;
  nominalHv: number;
  /**
   * What an earlier actor of this block knew, when the output is still what it wrote: whether a
   * command had switched it on, and the readings' offset from its nominal HV. A restarted block
   * then judges its first readings by them, rather than taking whatever it reads first as the truth.
   */
  energized?: boolean;
  offset?: number;
}

/** The block's top-level state ('idle', 'ramping', 'correcting', ...), whatever its substate. */
export { topState };

/** The fraction of a step's transient left in a reading that begins as the step is made (the window's averaging of e^(−t/τ)). */
function windowFactor(c: CorrectionSettings): number {
  return (c.responseTauMs / c.integrationMs) * (1 - Math.exp(-c.integrationMs / c.responseTauMs));
}

/** How long after an output change of `stepV` volts a reading may begin and show less than `residualV` of it. */
export function settleTimeMs(stepV: number, c: CorrectionSettings, floorMs: number, residualV = c.settleResidualV): number {
  const tau = c.responseTauMs;
  const residual = Math.abs(stepV) * windowFactor(c);
  if (residual <= residualV) return floorMs;
  return Math.max(floorMs, tau * Math.log(residual / residualV));
}

function checkCommand(context: BlockContext): SetVoltageAndCheckCommand | null {
  const command = context.inFlight?.command;
  return command?.command_type === 'set_voltage_and_check' ? command : null;
}

export function isFresh(context: BlockContext, reading: Reading, residualV = context.correction.settleResidualV): boolean {
  const last = context.recentSteps.at(-1);
  if (!last) return true;
  return reading.startedAt >= last.at + settleTimeMs(last.stepV, context.correction, context.settleMs, residualV);
}

/**
 * Whether a reading may answer a check: for our strategy, once what is left of the last change in
 * it is below a quarter of the tolerance (corrections wait for the stricter settleResidualV); the
 * older servers' strategies answer on any reading begun after the change, as they did.
 */
function mayAnswer(context: BlockContext, reading: Reading, maxError: number): boolean {
  if (context.correction.strategy !== 'ours') return beganAfterChange(context, reading) && isFresh(context, reading, Infinity);
  return isFresh(context, reading, Math.max(context.correction.settleResidualV, maxError / 4));
}

/** The half-error strategy waits only for readings that began after the change, as the older server did. */
function beganAfterChange(context: BlockContext, reading: Reading): boolean {
  const last = context.recentSteps.at(-1);
  return !last || reading.startedAt >= last.at;
}

const clamp = (x: number, limit: number) => Math.max(-limit, Math.min(limit, x));

/**
 * The demand after correcting `error` volts, by the block's strategy: each step bounded, and the
 * total kept within maxTotalV of the setpoint, so a stuck or wrong voltmeter cannot walk the HV
 * away. Null when there is nothing to change.
 */
function correctedDemand(context: BlockContext, error: number, smoothed = error): number | null {
  const c = context.correction;
  if (c.strategy === 'none' || context.demand === null || context.setpoint === null) return null;
  const step = c.strategy === 'half' ? -error / 2 : -smoothed;
  const wanted = context.demand + clamp(step, c.maxStepV);
  const demand = reachable(context, context.setpoint + clamp(wanted - context.setpoint, c.maxTotalV));
  return demand === context.demand ? null : demand;
}

/** A demand the output can produce: nothing winds up against the output's own limits. */
function reachable(context: BlockContext, demand: number): number {
  const [low, high] = context.demandRange;
  return Math.min(high, Math.max(low, demand));
}

function checkAnswer(context: BlockContext, status: 'ok' | 'timeout'): Record<string, unknown> {
  const command = checkCommand(context)!;
  const answer: Record<string, unknown> = { type: 'answer', answer_type: 'set_voltage_and_check', block: command.blockAsSent, status };
  if (context.lastReading) {
    answer.voltage = context.lastReading.volts;
    answer.error = context.lastReading.volts - command.voltage;
  }
  return answer;
}

function replyTo(context: BlockContext, message: Record<string, unknown>): Reply {
  return { origin: context.inFlight!.origin, message };
}

function describe(command: Command): string {
  return `${command.command_type} to ${command.voltage} V`;
}

const answerTimeout = {
  type: 'reply',
  params: ({ context }: { context: BlockContext }) => replyTo(context, checkAnswer(context, 'timeout')),
} as const;

const answerShutdown = {
  type: 'reply',
  params: ({ context }: { context: BlockContext }) =>
    replyTo(
      context,
      errorReply('ALGORITM_ERROR', `block ${context.block}: the server is shutting down; ${describe(context.inFlight!.command)} ended before a reading confirmed it`),
    ),
} as const;

/** The output instrument failed under the command in flight: code 6 with the block's fault. */
const answerFailed = {
  type: 'reply',
  params: ({ context }: { context: BlockContext }) => replyTo(context, errorReply('ALGORITM_ERROR', `block ${context.block}: ${context.fault}`)),
} as const;

/** The command in flight cannot complete: code 6, naming the fault (the newest major alarm). */
const answerFault = {
  type: 'reply',
  params: ({ context }: { context: BlockContext }) => {
    const alarm = context.alarms.filter((a) => a.severity !== 'MINOR').at(-1) ?? context.alarms.at(-1);
    const why = alarm ? `${alarm.code}: ${alarm.message}` : 'an alarm is active';
    return replyTo(context, errorReply('ALGORITM_ERROR', `block ${context.block}: ${describe(context.inFlight!.command)} stopped, ${why}`));
  },
} as const;

/** How long the transient of the change just written needs before a reading can answer or correct. */
function announcedSettle(context: BlockContext): { block: number; settleMs: number } {
  const command = checkCommand(context);
  const residual = command ? Math.max(context.correction.settleResidualV, command.max_error / 4) : 0.025;
  return { block: context.block, settleMs: settleTimeMs(context.recentSteps.at(-1)?.stepV ?? 0, context.correction, context.settleMs, residual) };
}

/** A transient this small (volts) is no transient: a change of unknown size long settled does not stop the prediction. */
const NEGLIGIBLE_V = 1e-4;

/** Output changes remembered for the transients they leave in readings. */
const STEPS_REMEMBERED = 4;

/** After the output was written: when, and by how much it moved. */
function written(context: BlockContext, sent: SetpointSent): Partial<BlockContext> {
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
  const c = context.correction;
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
  const c = context.correction;
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
function settledError(context: BlockContext, reading: Reading, target: number): number {
  const error = reading.volts - target;
  if (context.correction.strategy !== 'ours') return error;
  return error - (signedTransientIn(context, reading) ?? 0);
}

/**
 * The output a reading measured: changes made after its integration ended are not in it, so it is
 * judged against the output before them (and as carrying only the transients of earlier ones).
 * Null when such a change is of unknown size.
 */
function measuredOutput(context: BlockContext, reading: Reading): { nominal: number; transientV: number; beforeChange: boolean } | null {
  if (context.nominal === null) return null;
  const later = context.recentSteps.filter((s) => s.at >= reading.endedAt);
  if (later.length === 0 || later.some((s) => s.deltaV === null)) return { nominal: context.nominal, transientV: transientIn(context, reading), beforeChange: false };
  const before = { ...context, recentSteps: context.recentSteps.filter((s) => s.at < reading.endedAt) };
  return { nominal: context.nominal - later.reduce((sum, s) => sum + s.deltaV!, 0), transientV: transientIn(before, reading), beforeChange: true };
}

/** Judges a reading at the output it measured; null when there is no output to judge it against. */
function judged(context: BlockContext, reading: Reading, frozen = false): { verdict: Verdict; state: JudgeState } | null {
  const measured = measuredOutput(context, reading);
  if (!measured) return null;
  const { nominal, transientV, beforeChange } = measured;
  // What moves the expectation must be fresh by the block's own rule, its floor included.
  const settled = transientV <= context.checks.outlierFloorV / 2 && isFresh(context, reading);
  return judgeReading(context.judge, reading, nominal, context.checks, { transientV, settled, frozen, beforeChange });
}

/** The alarm a verdict raises, if any: a fault's, or a held reading's when it is gross. */
function alarmOf(verdict: Verdict): BlockAlarm | null {
  if (verdict.kind === 'fault') return verdict.alarm;
  return verdict.kind === 'held' ? verdict.alarm : null;
}

/**
 * A reading judged, as the block takes it: `patch`, the judge's new state and the alarm the verdict
 * raises, to assign; an offset newly trusted (to keep for a restarted actor); `actable` false when
 * the reading is a fault or held back, so nothing may be corrected, learned or answered on it. Null
 * without an output to judge against.
 */
function takeReading(
  context: BlockContext,
  reading: Reading,
): { verdict: Verdict; judge: JudgeState; patch: Pick<BlockContext, 'judge'> & Partial<Pick<BlockContext, 'alarms'>>; trustedOffset: number | null; actable: boolean } | null {
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
function newlyTrusted(before: JudgeState, after: JudgeState): number | null {
  return after.offset !== null && after.offset !== before.offset && after.uncertainV === 0 ? after.offset : null;
}

/** The alarms with `alarm` added, replacing one of the same code; a confirmed mismatch replaces the outlier it confirms. */
function withAlarm(alarms: BlockAlarm[], alarm: BlockAlarm): BlockAlarm[] {
  const confirms = alarm.code === 'NO_OUTPUT' || alarm.code === 'READBACK_MISMATCH';
  return [...alarms.filter((a) => a.code !== alarm.code && !(confirms && a.code === 'READING_OUTLIER')), alarm];
}

/** Alarms only a client's command clears: the output in standby, and holding at its limit. */
const LATCHED: readonly string[] = ['OUTPUT_STANDBY', 'HOLD_LIMIT'];

/** Alarms a plausible reading clears: all but the latched ones. */
function clearedBy(context: BlockContext, run: number): BlockAlarm[] {
  const needs = context.alarms.some((a) => a.severity !== 'MINOR') ? 2 : 1;
  return run >= needs ? context.alarms.filter((a) => LATCHED.includes(a.code)) : context.alarms;
}

const standbyAlarm = (context: BlockContext): BlockAlarm => ({
  code: 'OUTPUT_STANDBY',
  severity: 'MAJOR',
  message: `the output instrument of block ${context.block} is in standby while the demand is ${(context.demand ?? 0).toFixed(3)} V: the block stays off until a client commands a voltage`,
  value: context.demand,
});

const holdLimitAlarm = (context: BlockContext, moveV: number): BlockAlarm => ({
  code: 'HOLD_LIMIT',
  severity: 'MAJOR',
  message: `holding ${context.setpoint} V would move the demand ${moveV >= 0 ? '+' : '−'}${Math.abs(moveV).toFixed(3)} V from where the command left it (at most ${context.holdLimitV} V): the supply or the voltmeter drifts more than the supply's own drift explains; holding stops until a client commands a voltage`,
  value: moveV,
});

const noReadingsAlarm = (voltmeter: string, fault: string): BlockAlarm => ({
  code: 'NO_READINGS',
  severity: 'MAJOR',
  message: `no readings: voltmeter ${voltmeter} failed (${fault})`,
  value: null,
});

/**
 * Asks the output instrument whether it still operates (idle, correcting and alarm all do): a
 * standby while the block had it on raises OUTPUT_STANDBY and goes to `onStandby`, otherwise to
 * `then`; a failed check fails the block (answering a command in flight when `answer` is given).
 */
function outputCheck(onStandby: string, then: string, answer?: typeof answerFailed) {
  return {
    src: 'probeOutput',
    input: ({ context }: { context: BlockContext }) => ({ block: context.block }),
    onDone: [
      { guard: 'foundInStandby', target: onStandby, actions: 'raiseStandby' },
      { target: then, actions: 'noteOutputState' },
    ],
    onError: { target: '#block.error', actions: answer ? (['outputCheckFailed', answer] as const) : ('outputCheckFailed' as const) },
  } as const;
}

export const blockMachine = setup({
  types: {
    context: {} as BlockContext,
    events: {} as BlockEvent,
    input: {} as BlockInput,
    output: {} as Fault,
  },
  actors: {
    /** Reads the output instrument and returns the HV it is producing now. */
    readSetpoint: fromPromise<OutputFound, { block: number }>(async () => {
      throw new Error('readSetpoint is provided by src/hv/devices');
    }),
    /**
     * Writes an HV demand (volts) to the output instrument. Only a client's command may `energize`
     * (put the instrument in operate); any other write first confirms it still operates, and
     * rejects with code 'standby' if not.
     */
    applySetpoint: fromPromise<SetpointSent, { block: number; volts: number; energize: boolean }>(async () => {
      throw new Error('applySetpoint is provided by src/hv/devices');
    }),
    /** Asks the output instrument whether it operates and what it puts out; changes nothing. */
    probeOutput: fromPromise<OutputState, { block: number }>(async () => {
      throw new Error('probeOutput is provided by src/hv/devices');
    }),
  },
  actions: {
    /** Delivers an answer or error reply to the client that sent the command. */
    reply: (_, _params: Reply) => {},
    /** Records what the block did, for the log. */
    note: (_, _params: { message: string; fields?: Record<string, unknown> }) => {},
    /** A settled, plausible reading at the present output: material for learning the transfer. */
    learnTransfer: (_, _params: { reading: Reading }) => {},
    /** The readings' offset from the output's nominal HV, as now trusted: kept for a restarted actor. */
    rememberOffset: (_, _params: { offset: number }) => {},
    /**
     * The output changed for a command (our strategy): the voltmeter abandons the reading in
     * progress and starts the next when the transient has settled, so the first reading that can
     * answer comes as early as the physics allows, not at whatever phase the 4 s cycle was in.
     */
    outputChanged: (_, _params: { block: number; settleMs: number }) => {},
    /** The output is in standby while the block had it on: only a client's command clears this. */
    raiseStandby: assign({ alarms: ({ context }) => withAlarm(context.alarms, standbyAlarm(context)) }),
    /** The output instrument did not answer its check, or answered wrong: the block fails (and is restarted). */
    outputCheckFailed: assign({ fault: ({ event }) => `checking the output failed: ${errorText((event as unknown as { error: unknown }).error)}` }),
    /** An output found operating is on, whoever switched it on; one found in standby before any command is off. */
    noteOutputState: assign({ energized: ({ context, event }) => context.energized === true || (event as unknown as { output: OutputState }).output.operating }),
  },
  guards: {
    isCheck: ({ context }) => checkCommand(context) !== null,
    endingOnTimeout: ({ context }) => context.inFlight?.ending === 'timeout',
    endingOnShutdown: ({ context }) => context.inFlight?.ending === 'shutdown',
    hasAlarm: ({ context }) => context.alarms.length > 0,
    hasMajorAlarm: ({ context }) => context.alarms.some((a) => a.severity !== 'MINOR'),
    standbyRejected: ({ event }) => isStandbyError((event as { error?: unknown }).error),
    /** The output check found the instrument in standby while the block had it on. */
    foundInStandby: ({ context, event }) => !(event as unknown as { output: OutputState }).output.operating && context.energized === true,
  },
  delays: {
    commandTimeout: ({ context }) => (checkCommand(context)?.timeout ?? 0) * 1000,
    outputCheck: ({ context }) => context.outputCheckMs,
  },
}).createMachine({
  id: 'block',
  context: ({ input }) => ({
    block: input.block,
    name: input.name,
    settleMs: input.settleMs,
    correction: input.correction,
    checks: input.checks,
    outputCheckMs: input.outputCheckMs,
    holdLimitV: input.holdLimitV,
    demandRange: input.demandRange,
    setpoint: null,
    demand: null,
    nominal: null,
    pendingDemand: null,
    recentSteps: [],
    holdError: null,
    holdFrom: null,
    adopting: false,
    corrections: 0,
    lastReading: null,
    inFlight: null,
    fault: null,
    judge: freshJudge(),
    alarms: [],
    energized: null,
  }),
  initial: 'starting',
  on: {
    READING: { actions: assign({ lastReading: ({ event }) => event.reading }) },
    COMMAND: {
      actions: {
        type: 'reply',
        params: ({ context, event }) => ({
          origin: event.origin,
          message: errorReply(
            'SERVER_BUSY_ERROR',
            context.inFlight ? `block ${context.block} is busy with ${describe(context.inFlight.command)}` : `block ${context.block} is busy starting up`,
          ),
        }),
      },
    },
    // Without readings nothing can be checked or corrected: raise it wherever the block is.
    VOLTMETER_LOST: { actions: assign({ alarms: ({ context, event }) => withAlarm(context.alarms, noReadingsAlarm(event.voltmeter, event.fault)) }) },
  },
  states: {
    starting: {
      invoke: {
        src: 'readSetpoint',
        input: ({ context }) => ({ block: context.block }),
        onDone: {
          target: 'idle',
          actions: [
            assign({
              setpoint: ({ event }) => event.output.hv,
              demand: ({ event }) => event.output.hv,
              nominal: ({ event }) => event.output.nominalHv,
              adopting: true,
              energized: ({ event }) => event.output.energized ?? null,
              judge: ({ event }) => freshJudge(event.output.offset ?? null),
            }),
            { type: 'note', params: ({ event }) => ({ message: `adopted the present output as setpoint: ${event.output.hv} V` }) },
          ],
        },
        onError: {
          target: 'error',
          actions: assign({ fault: ({ event }) => `reading the present output failed: ${errorText(event.error)}` }),
        },
      },
    },
    idle: {
      // From a command, holding starts from its demand; back from an alarm, from where it was.
      // A command's last correction, made on the reading that answered it, is still to be written: holding starts from it.
      entry: [
        cancel('commandTimeout'),
        assign({ holdFrom: ({ context }) => (context.inFlight || context.holdFrom === null ? (context.pendingDemand ?? context.demand) : context.holdFrom), inFlight: null }),
      ],
      initial: 'watching',
      always: { guard: 'hasAlarm', target: 'alarm' },
      on: {
        COMMAND: {
          target: 'ramping',
          actions: assign({
            inFlight: ({ event }) => ({ command: event.command, origin: event.origin, ending: null }),
            pendingDemand: ({ context, event }) => reachable(context, event.command.voltage),
            holdError: null,
            holdFrom: null,
            adopting: false,
            // A new setpoint: its first settled reading may be off by the transfer's error over the step.
            judge: ({ context, event }) => afterNewSetpoint(context.judge, event.command.voltage - (context.demand ?? 0), context.checks),
          }),
        },
        ABORT: {},
        // Judged in watching and while the output is being checked; while a correction is being
        // written (adjusting) a reading is only recorded, so the write's demand cannot change under it.
        READING: {
          actions: enqueueActions(({ context, event, enqueue }) => {
            const reading = event.reading;
            enqueue.assign({ lastReading: reading });
            const c = context.correction;
            // Every reading is judged (what is left of a change in it widens the tolerance), so a
            // trip shows in the first reading it reaches...
            const taken = takeReading(context, reading);
            if (!taken) return;
            const { verdict } = taken;
            enqueue.assign(taken.patch);
            if (taken.trustedOffset !== null) enqueue({ type: 'rememberOffset', params: { offset: taken.trustedOffset } });
            if (!taken.actable) return;
            // ...but holding waits for settled readings; the half strategy, as the older server, for any begun after the change.
            const settled = c.strategy === 'half' ? beganAfterChange(context, reading) : isFresh(context, reading);
            if (!settled) return;
            if (context.adopting) {
              enqueue.assign({ setpoint: reading.volts, adopting: false });
              enqueue({ type: 'note', params: { message: `holding the voltage found at start, as measured: ${reading.volts.toFixed(3)} V` } });
              return;
            }
            if (context.setpoint === null || !c.hold || c.strategy === 'none' || context.energized === false) return;
            const error = settledError(context, reading, context.setpoint);
            if (c.strategy === 'half') {
              enqueue.assign({ pendingDemand: correctedDemand(context, error) });
              return;
            }
            const smoothed = verdict.kind === 'confirmed' || context.holdError === null ? error : context.holdError + 0.5 * (error - context.holdError);
            enqueue.assign({ holdError: smoothed });
            if (verdict.kind === 'plausible' && context.demand === context.holdFrom) enqueue({ type: 'learnTransfer', params: { reading } });
            if (Math.abs(smoothed) <= c.holdDeadbandV) return;
            const demand = correctedDemand(context, error, smoothed);
            const from = context.holdFrom ?? context.demand!;
            if (demand !== null && Math.abs(demand - from) > context.holdLimitV) {
              enqueue.assign({ alarms: withAlarm(context.alarms, holdLimitAlarm(context, demand - from)) });
              return;
            }
            enqueue.assign({ pendingDemand: demand });
          }),
        },
      },
      states: {
        watching: {
          after: { outputCheck: 'probing' },
          always: { guard: ({ context }) => context.pendingDemand !== null, target: 'adjusting' },
        },
        adjusting: {
          on: { READING: { actions: assign({ lastReading: ({ event }) => event.reading }) } },
          invoke: {
            src: 'applySetpoint',
            input: ({ context }) => ({ block: context.block, volts: context.pendingDemand!, energize: false }),
            onDone: {
              target: 'watching',
              actions: [
                assign(({ context, event }) => written(context, event.output)),
                assign({ holdError: null, corrections: ({ context }) => context.corrections + 1 }),
                {
                  type: 'note',
                  params: ({ context }) => ({
                    message: `holding ${context.setpoint} V: demand now ${context.demand!.toFixed(4)} V`,
                    fields: { demand: context.demand, error: context.lastReading ? context.lastReading.volts - context.setpoint! : null },
                  }),
                },
              ],
            },
            onError: [
              {
                guard: ({ context, event }) => isStandbyError(event.error) && context.energized === true,
                target: '#block.alarm',
                actions: [assign({ pendingDemand: null }), 'raiseStandby'],
              },
              // Found in standby before any command (a rack at rest): nothing to hold, nothing to raise.
              { guard: 'standbyRejected', target: 'watching', actions: assign({ pendingDemand: null, energized: false }) },
              {
                target: '#block.error',
                actions: assign({ fault: ({ context, event }) => `holding ${context.setpoint} V failed: ${errorText(event.error)}` }),
              },
            ],
          },
        },
        // Every so often: is the output still operating? (A standby pressed at the front panel.)
        probing: {
          invoke: outputCheck('#block.alarm', 'watching'),
        },
      },
    },
    ramping: {
      // Only set_voltage_and_check has a timeout; it runs from the moment the command is taken.
      entry: enqueueActions(({ check, enqueue }) => {
        if (check('isCheck')) enqueue.raise({ type: 'COMMAND_TIMEOUT' }, { delay: 'commandTimeout', id: 'commandTimeout' });
      }),
      invoke: {
        // The one write that may energize the output: a client asked for this voltage.
        src: 'applySetpoint',
        input: ({ context }) => ({ block: context.block, volts: context.pendingDemand!, energize: true }),
        onDone: [
          {
            guard: 'isCheck',
            target: 'correcting',
            actions: [
              assign(({ context, event }) => written(context, event.output)),
              assign({ setpoint: ({ context }) => context.inFlight!.command.voltage, energized: true }),
              enqueueActions(({ context, enqueue }) => {
                if (context.correction.strategy === 'ours') enqueue({ type: 'outputChanged', params: announcedSettle(context) });
              }),
            ],
          },
          {
            target: 'idle',
            actions: [
              assign(({ context, event }) => written(context, event.output)),
              assign({ setpoint: ({ context }) => context.inFlight!.command.voltage, energized: true }),
              {
                type: 'reply',
                params: ({ context }) =>
                  replyTo(context, { type: 'answer', answer_type: 'set_voltage', block: context.inFlight!.command.blockAsSent, status: 'ok' }),
              },
            ],
          },
        ],
        onError: {
          target: 'error',
          actions: [
            assign({ fault: ({ context, event }) => `setting ${context.inFlight!.command.voltage} V failed: ${errorText(event.error)}` }),
            answerFailed,
          ],
        },
      },
      on: {
        // The output is on its way to the instrument: let it arrive, then end the command.
        COMMAND_TIMEOUT: { actions: assign({ inFlight: ({ context }) => ({ ...context.inFlight!, ending: 'timeout' as const }) }) },
        ABORT: { actions: assign({ inFlight: ({ context }) => ({ ...context.inFlight!, ending: 'shutdown' as const }) }) },
      },
    },
    correcting: {
      initial: 'waiting',
      // Judged while waiting and while the output is being checked; recorded only while a correction is written.
      on: {
        READING: {
          actions: enqueueActions(({ context, event, enqueue }) => {
            const reading = event.reading;
            enqueue.assign({ lastReading: reading });
            const c = context.correction;
            const command = checkCommand(context)!;
            const error = reading.volts - command.voltage;
            const answers = mayAnswer(context, reading, command.max_error) && Math.abs(error) <= command.max_error;
            // A correction does not need the transient gone, only small against what it corrects:
            // with at most a quarter of the error left in the reading, it is at worst 25 % off.
            const usable =
              answers || (c.strategy === 'half' ? beganAfterChange(context, reading) : isFresh(context, reading, Math.max(c.settleResidualV, Math.abs(error) / 4)));
            // Judged even before it is usable (the transient widens the tolerance): a fault shows at once.
            const taken = takeReading(context, reading);
            if (!taken) return;
            const { verdict } = taken;
            enqueue.assign(taken.patch);
            if (taken.trustedOffset !== null) enqueue({ type: 'rememberOffset', params: { offset: taken.trustedOffset } });
            if (!taken.actable) return;
            if (!usable) return;
            // Plausible again: a held spike's alarm is over.
            enqueue.assign({ alarms: clearedBy({ ...context, judge: taken.judge }, taken.judge.plausibleRun) });
            // Learned only once the change has settled in it (an answer may come with up to a quarter of the tolerance left).
            const learns = c.strategy === 'ours' && verdict.kind === 'plausible' && isFresh(context, reading);
            if (answers) {
              if (learns) enqueue({ type: 'learnTransfer', params: { reading } });
              enqueue({ type: 'reply', params: replyTo({ ...context, lastReading: reading }, checkAnswer({ ...context, lastReading: reading }, 'ok')) });
              // The answer's reading is also the best estimate of where the output landed: an error
              // the hold would correct is corrected now, as the command's last correction, rather
              // than a reading later (holding then starts from the corrected demand).
              const left = settledError(context, reading, command.voltage);
              let lastCorrection: number | null = null;
              if (c.strategy === 'ours' && c.hold && Math.abs(left) > c.holdDeadbandV) {
                const demand = correctedDemand(context, left);
                if (demand !== null && Math.abs(demand - context.demand!) <= context.holdLimitV) lastCorrection = demand;
              }
              enqueue.raise({ type: 'CHECK_CONFIRMED', lastCorrection });
              return;
            }
            if (learns) enqueue({ type: 'learnTransfer', params: { reading } });
            const demand = correctedDemand(context, settledError(context, reading, command.voltage));
            if (demand !== null) enqueue.assign({ pendingDemand: demand });
          }),
        },
        // Raised by the reading that answered ok (whichever substate it came in).
        // Its last correction is written from idle, as holding writes: the command is answered and over.
        CHECK_CONFIRMED: {
          target: '#block.idle',
          actions: assign({ alarms: ({ context }) => context.alarms.filter((a) => a.code === 'OUTPUT_STANDBY'), pendingDemand: ({ event }) => event.lastCorrection }),
        },
      },
      states: {
        waiting: {
          after: { outputCheck: 'probing' },
          always: [
            { guard: 'endingOnTimeout', target: '#block.idle', actions: answerTimeout },
            { guard: 'endingOnShutdown', target: '#block.idle', actions: answerShutdown },
            { guard: 'hasMajorAlarm', target: '#block.alarm', actions: answerFault },
            { guard: ({ context }) => context.pendingDemand !== null, target: 'adjusting' },
          ],
          on: {
            COMMAND_TIMEOUT: { target: '#block.idle', actions: answerTimeout },
            ABORT: { target: '#block.idle', actions: answerShutdown },
          },
        },
        adjusting: {
          invoke: {
            // A correction never energizes: if the output went to standby, the command stops here.
            src: 'applySetpoint',
            input: ({ context }) => ({ block: context.block, volts: context.pendingDemand!, energize: false }),
            onDone: {
              target: 'waiting',
              actions: [
                assign(({ context, event }) => written(context, event.output)),
                assign({ corrections: ({ context }) => context.corrections + 1 }),
                enqueueActions(({ context, enqueue }) => {
                  if (context.correction.strategy === 'ours') enqueue({ type: 'outputChanged', params: announcedSettle(context) });
                }),
              ],
            },
            onError: [
              {
                guard: 'standbyRejected',
                target: '#block.alarm',
                actions: [assign({ pendingDemand: null }), 'raiseStandby', answerFault],
              },
              {
                target: '#block.error',
                actions: [
                  assign({ fault: ({ context, event }) => `correcting towards ${context.setpoint} V failed: ${errorText(event.error)}` }),
                  answerFailed,
                ],
              },
            ],
          },
          on: {
            READING: { actions: assign({ lastReading: ({ event }) => event.reading }) },
            COMMAND_TIMEOUT: { actions: assign({ inFlight: ({ context }) => ({ ...context.inFlight!, ending: 'timeout' as const }) }) },
            ABORT: { actions: assign({ inFlight: ({ context }) => ({ ...context.inFlight!, ending: 'shutdown' as const }) }) },
          },
        },
        // While waiting for readings: does the output still operate? A standby ends the command now.
        probing: {
          invoke: outputCheck('waiting', 'waiting', answerFailed),
          on: {
            COMMAND_TIMEOUT: { actions: assign({ inFlight: ({ context }) => ({ ...context.inFlight!, ending: 'timeout' as const }) }) },
            ABORT: { actions: assign({ inFlight: ({ context }) => ({ ...context.inFlight!, ending: 'shutdown' as const }) }) },
          },
        },
      },
    },
    // Something is wrong with the output or the readings: the demand stays where it was, nothing is
    // corrected or learned, and nothing is written. Readings back where the demand should put them
    // clear the alarm (two in a row; one for a held spike) and holding resumes from that same demand,
    // so recovery cannot overshoot. Standby is cleared only by a client's command.
    alarm: {
      entry: [
        cancel('commandTimeout'),
        assign({ inFlight: null, pendingDemand: null, holdError: null, judge: ({ context }) => ({ ...context.judge, history: [], historyBefore: null, plausibleRun: 0 }) }),
      ],
      initial: 'checkingOutput',
      on: {
        COMMAND: {
          target: 'ramping',
          actions: [
            assign({
              inFlight: ({ event }) => ({ command: event.command, origin: event.origin, ending: null }),
              pendingDemand: ({ context, event }) => reachable(context, event.command.voltage),
              holdError: null,
              holdFrom: null,
              adopting: false,
              // A lost voltmeter's own alarm stays with it (DEVICE_FAULT); the supervisor refuses checks until it reads again.
              alarms: [],
              // A client's command after a fault starts the expectation afresh (within model_tolerance_v
              // of the output's nominal HV), so a repaired voltmeter is believed again; only what the
              // meter last said is kept, so a stuck one is still found.
              judge: ({ context, event }) =>
                afterNewSetpoint(
                  { ...freshJudge(), lastRaw: context.judge.lastRaw, outputAtLastRaw: context.judge.outputAtLastRaw, repeats: context.judge.repeats },
                  event.command.voltage - (context.demand ?? 0),
                  context.checks,
                ),
            }),
            { type: 'note', params: ({ event }) => ({ message: `alarms cleared by a command: ${describe(event.command)}` }) },
          ],
        },
        ABORT: {},
        READING: {
          actions: enqueueActions(({ context, event, enqueue }) => {
            const reading = event.reading;
            enqueue.assign({ lastReading: reading });
            const outcome = judged(context, reading, true);
            if (!outcome) return;
            enqueue.assign({ judge: outcome.state });
            const { verdict } = outcome;
            // A supply coming back passes through readings that are neither 0 nor right: still the same fault.
            const readback = (code: string) => code === 'NO_OUTPUT' || code === 'READBACK_MISMATCH';
            const known = verdict.kind === 'fault' && readback(verdict.alarm.code) && context.alarms.some((a) => readback(a.code));
            if (verdict.kind === 'fault' && !known) enqueue.assign({ alarms: withAlarm(context.alarms, verdict.alarm) });
            else if (verdict.kind === 'plausible') {
              const left = clearedBy(context, outcome.state.plausibleRun);
              if (left.length < context.alarms.length) {
                enqueue({ type: 'note', params: { message: `alarms cleared: readings are back at ${reading.volts.toFixed(3)} V, where the demand puts them` } });
              }
              enqueue.assign({ alarms: left });
            }
          }),
        },
      },
      states: {
        // On entry and every output_check_s: is a missing output the supply, or a standby? Is the instrument there?
        checkingOutput: {
          invoke: outputCheck('watching', 'watching'),
        },
        watching: {
          after: { outputCheck: 'checkingOutput' },
          always: { guard: ({ context }) => context.alarms.length === 0, target: '#block.idle' },
        },
      },
    },
    error: {
      type: 'final',
    },
  },
  output: ({ context }) => ({ fault: context.fault ?? 'unknown fault' }),
});
