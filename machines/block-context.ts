// What one HV block knows and is told: its settings, its context, its events and what its
// instrument actors return. Pure data and one accessor; the chart is machines/block.machine.ts.

import type { Command, SetVoltageAndCheckCommand } from '../schemas/types.js';
import { freshJudge, type BlockAlarm, type CheckSettings, type JudgeState } from './reading-judge.js';
import type { CommandEvent, Origin, Reading, ReadingEvent } from './types.js';

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

export interface CommandInFlight {
  command: Command;
  origin: Origin;
  /** Why the command must end as soon as the output is written: its timeout passed, or shutdown. */
  ending: null | 'timeout' | 'shutdown';
}

/** What a block is configured with: the same for as long as its actor runs. */
export type BlockSettings = Omit<BlockInput, 'block'>;

/**
 * At most 19 fields: XState copies the context at every assignment (Object.assign onto {}), and V8
 * makes a copy with more fields a dictionary object, about 20 times slower to copy and to read, at
 * every reading (test/machines/block-context.test.ts keeps the count).
 */
export interface BlockContext {
  block: number;
  /** The configuration, in one field: it never changes, so every copy shares it. */
  settings: BlockSettings;
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
  | { type: 'CHECK_CONFIRMED'; lastCorrection: number | null }
  /** From the output's prober: what the output instrument says of itself, or why it could not say. */
  | { type: 'OUTPUT_STATE'; output: OutputState }
  | { type: 'OUTPUT_CHECK_FAILED'; error: unknown };

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

/** The context a block starts with: nothing adopted yet, nothing in flight, no alarm. */
export function initialContext(input: BlockInput): BlockContext {
  const { block, ...settings } = input;
  return {
    block,
    settings,
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
  };
}

/** The command in flight when it is a check (set_voltage_and_check), else null. */
export function checkCommand(context: BlockContext): SetVoltageAndCheckCommand | null {
  const command = context.inFlight?.command;
  return command?.command_type === 'set_voltage_and_check' ? command : null;
}
