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
import type { CommandEvent, Fault, Origin, Reading, ReadingEvent, Reply } from './types.js';
import { errorReply, errorText } from './types.js';

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
  /** Expected reading noise (one sigma), volts: readings further off are held back as outliers. */
  noiseV: number;
}

export interface BlockInput {
  block: number;
  name: string;
  /** The shortest time after an output change before a reading may count. */
  settleMs: number;
  correction: CorrectionSettings;
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
  /** Demand being written (while adjusting). */
  pendingDemand: number | null;
  /** Clock ms when the output last changed, and by how much (volts), for the freshness rule. */
  outputChangedAt: number | null;
  lastStepV: number;
  /**
   * Until a command comes, the block holds what it found, as measured: the setpoint adopted at
   * start comes from the transfer's estimate, so the first settled reading replaces it rather
   * than being corrected towards it (a restart must not change the HV).
   */
  adopting: boolean;
  /** Smoothed error of fresh readings while holding, and readings in a row that looked like outliers. */
  holdError: number | null;
  suspects: number;
  corrections: number;
  lastReading: Reading | null;
  inFlight: CommandInFlight | null;
  fault: string | null;
}

export type BlockEvent =
  | CommandEvent
  | ReadingEvent
  | { type: 'COMMAND_TIMEOUT' }
  | { type: 'ABORT'; reason: string };

export interface SetpointSent {
  /** Clock time when the instrument accepted the output. */
  sentAt: number;
}

/** The block's top-level state ('idle', 'ramping', 'correcting', ...), whatever its substate. */
export function topState(value: unknown): string {
  return typeof value === 'string' ? value : Object.keys(value as object)[0] ?? '';
}

/** How long after an output change of `stepV` volts a reading may begin and show less than `residualV` of it. */
export function settleTimeMs(stepV: number, c: CorrectionSettings, floorMs: number, residualV = c.settleResidualV): number {
  const tau = c.responseTauMs;
  const windowFactor = (tau / c.integrationMs) * (1 - Math.exp(-c.integrationMs / tau));
  const residual = Math.abs(stepV) * windowFactor;
  if (residual <= residualV) return floorMs;
  return Math.max(floorMs, tau * Math.log(residual / residualV));
}

function checkCommand(context: BlockContext): SetVoltageAndCheckCommand | null {
  const command = context.inFlight?.command;
  return command?.command_type === 'set_voltage_and_check' ? command : null;
}

export function isFresh(context: BlockContext, reading: Reading, residualV = context.correction.settleResidualV): boolean {
  if (context.outputChangedAt === null) return true;
  return reading.startedAt >= context.outputChangedAt + settleTimeMs(context.lastStepV, context.correction, context.settleMs, residualV);
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
  return context.outputChangedAt === null || reading.startedAt >= context.outputChangedAt;
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
  const demand = context.setpoint + clamp(wanted - context.setpoint, c.maxTotalV);
  return demand === context.demand ? null : demand;
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

/** How long the transient of the change just written needs before a reading can answer or correct. */
function announcedSettle(context: BlockContext): { block: number; settleMs: number } {
  const command = checkCommand(context);
  const residual = command ? Math.max(context.correction.settleResidualV, command.max_error / 4) : 0.025;
  return { block: context.block, settleMs: settleTimeMs(context.lastStepV, context.correction, context.settleMs, residual) };
}

/** After the output was written: when, and by how much it moved. */
function written(context: BlockContext, sent: SetpointSent): Partial<BlockContext> {
  return {
    outputChangedAt: sent.sentAt,
    lastStepV: Math.abs((context.pendingDemand ?? 0) - (context.demand ?? 0)),
    demand: context.pendingDemand,
    pendingDemand: null,
  };
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
    readSetpoint: fromPromise<number, { block: number }>(async () => {
      throw new Error('readSetpoint is provided by src/devices');
    }),
    /** Writes an HV demand (volts) to the output instrument. */
    applySetpoint: fromPromise<SetpointSent, { block: number; volts: number }>(async () => {
      throw new Error('applySetpoint is provided by src/devices');
    }),
  },
  actions: {
    /** Delivers an answer or error reply to the client that sent the command. */
    reply: (_, _params: Reply) => {},
    /** Records what the block did, for the log. */
    note: (_, _params: { message: string; fields?: Record<string, unknown> }) => {},
    /** A settled reading at the present output: material for learning the transfer. */
    learnTransfer: (_, _params: { reading: Reading }) => {},
    /**
     * The output changed for a command (our strategy): the voltmeter abandons the reading in
     * progress and starts the next when the transient has settled, so the first reading that can
     * answer comes as early as the physics allows, not at whatever phase the 4 s cycle was in.
     */
    outputChanged: (_, _params: { block: number; settleMs: number }) => {},
  },
  guards: {
    isCheck: ({ context }) => checkCommand(context) !== null,
    endingOnTimeout: ({ context }) => context.inFlight?.ending === 'timeout',
    endingOnShutdown: ({ context }) => context.inFlight?.ending === 'shutdown',
  },
  delays: {
    commandTimeout: ({ context }) => (checkCommand(context)?.timeout ?? 0) * 1000,
  },
}).createMachine({
  id: 'block',
  context: ({ input }) => ({
    block: input.block,
    name: input.name,
    settleMs: input.settleMs,
    correction: input.correction,
    setpoint: null,
    demand: null,
    pendingDemand: null,
    outputChangedAt: null,
    lastStepV: 0,
    holdError: null,
    adopting: false,
    suspects: 0,
    corrections: 0,
    lastReading: null,
    inFlight: null,
    fault: null,
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
  },
  states: {
    starting: {
      invoke: {
        src: 'readSetpoint',
        input: ({ context }) => ({ block: context.block }),
        onDone: {
          target: 'idle',
          actions: [
            assign({ setpoint: ({ event }) => event.output, demand: ({ event }) => event.output, adopting: true }),
            { type: 'note', params: ({ event }) => ({ message: `adopted the present output as setpoint: ${event.output} V` }) },
          ],
        },
        onError: {
          target: 'error',
          actions: assign({ fault: ({ event }) => `reading the present output failed: ${errorText(event.error)}` }),
        },
      },
    },
    idle: {
      entry: [cancel('commandTimeout'), assign({ inFlight: null })],
      initial: 'watching',
      on: {
        COMMAND: {
          target: 'ramping',
          actions: assign({
            inFlight: ({ event }) => ({ command: event.command, origin: event.origin, ending: null }),
            pendingDemand: ({ event }) => event.command.voltage,
            holdError: null,
            suspects: 0,
            adopting: false,
          }),
        },
        ABORT: {},
      },
      states: {
        watching: {
          on: {
            READING: {
              actions: enqueueActions(({ context, event, enqueue }) => {
                const reading = event.reading;
                enqueue.assign({ lastReading: reading });
                const c = context.correction;
                if (context.adopting && isFresh(context, reading)) {
                  enqueue.assign({ setpoint: reading.volts, adopting: false });
                  enqueue({ type: 'note', params: { message: `holding the voltage found at start, as measured: ${reading.volts.toFixed(3)} V` } });
                  return;
                }
                if (context.setpoint === null || context.adopting || !c.hold || c.strategy === 'none') return;
                const error = reading.volts - context.setpoint;
                if (c.strategy === 'half') {
                  if (!beganAfterChange(context, reading)) return;
                  enqueue.assign({ pendingDemand: correctedDemand(context, error) });
                  return;
                }
                if (!isFresh(context, reading)) return;
                // An outlier is held back; two in a row are taken as a real change.
                const expected = context.holdError ?? 0;
                const suspect = Math.abs(error - expected) > Math.max(6 * c.noiseV, 0.02);
                if (suspect && context.suspects < 1) {
                  enqueue.assign({ suspects: context.suspects + 1 });
                  return;
                }
                const smoothed = suspect || context.holdError === null ? error : context.holdError + 0.5 * (error - context.holdError);
                enqueue.assign({ holdError: smoothed, suspects: 0 });
                enqueue({ type: 'learnTransfer', params: { reading } });
                if (Math.abs(smoothed) > c.holdDeadbandV) {
                  enqueue.assign({ pendingDemand: correctedDemand(context, error, smoothed) });
                }
              }),
            },
          },
          always: { guard: ({ context }) => context.pendingDemand !== null, target: 'adjusting' },
        },
        adjusting: {
          invoke: {
            src: 'applySetpoint',
            input: ({ context }) => ({ block: context.block, volts: context.pendingDemand! }),
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
            onError: {
              target: '#block.error',
              actions: assign({ fault: ({ context, event }) => `holding ${context.setpoint} V failed: ${errorText(event.error)}` }),
            },
          },
        },
      },
    },
    ramping: {
      // Only set_voltage_and_check has a timeout; it runs from the moment the command is taken.
      entry: enqueueActions(({ check, enqueue }) => {
        if (check('isCheck')) enqueue.raise({ type: 'COMMAND_TIMEOUT' }, { delay: 'commandTimeout', id: 'commandTimeout' });
      }),
      invoke: {
        src: 'applySetpoint',
        input: ({ context }) => ({ block: context.block, volts: context.pendingDemand! }),
        onDone: [
          {
            guard: 'isCheck',
            target: 'correcting',
            actions: [
              assign(({ context, event }) => written(context, event.output)),
              assign({ setpoint: ({ context }) => context.inFlight!.command.voltage }),
              enqueueActions(({ context, enqueue }) => {
                if (context.correction.strategy === 'ours') enqueue({ type: 'outputChanged', params: announcedSettle(context) });
              }),
            ],
          },
          {
            target: 'idle',
            actions: [
              assign(({ context, event }) => written(context, event.output)),
              assign({ setpoint: ({ context }) => context.inFlight!.command.voltage }),
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
            { type: 'reply', params: ({ context }) => replyTo(context, errorReply('ALGORITM_ERROR', `block ${context.block}: ${context.fault}`)) },
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
      states: {
        waiting: {
          always: [
            { guard: 'endingOnTimeout', target: '#block.idle', actions: answerTimeout },
            { guard: 'endingOnShutdown', target: '#block.idle', actions: answerShutdown },
            { guard: ({ context }) => context.pendingDemand !== null, target: 'adjusting' },
          ],
          on: {
            READING: [
              {
                guard: ({ context, event }) => {
                  const command = checkCommand(context)!;
                  return mayAnswer(context, event.reading, command.max_error) && Math.abs(event.reading.volts - command.voltage) <= command.max_error;
                },
                target: '#block.idle',
                actions: [
                  assign({ lastReading: ({ event }) => event.reading }),
                  enqueueActions(({ context, event, enqueue }) => {
                    if (context.correction.strategy === 'ours') enqueue({ type: 'learnTransfer', params: { reading: event.reading } });
                  }),
                  { type: 'reply', params: ({ context }) => replyTo(context, checkAnswer(context, 'ok')) },
                ],
              },
              {
                actions: enqueueActions(({ context, event, enqueue }) => {
                  const reading = event.reading;
                  enqueue.assign({ lastReading: reading });
                  const c = context.correction;
                  const error = reading.volts - checkCommand(context)!.voltage;
                  // A correction does not need the transient gone, only small against what it corrects:
                  // with at most a quarter of the error left in the reading, it is at worst 25 % off.
                  const usable = c.strategy === 'half' ? beganAfterChange(context, reading) : isFresh(context, reading, Math.max(c.settleResidualV, Math.abs(error) / 4));
                  if (!usable) return;
                  if (c.strategy === 'ours' && isFresh(context, reading)) enqueue({ type: 'learnTransfer', params: { reading } });
                  const demand = correctedDemand(context, error);
                  if (demand !== null) enqueue.assign({ pendingDemand: demand });
                }),
              },
            ],
            COMMAND_TIMEOUT: { target: '#block.idle', actions: answerTimeout },
            ABORT: { target: '#block.idle', actions: answerShutdown },
          },
        },
        adjusting: {
          invoke: {
            src: 'applySetpoint',
            input: ({ context }) => ({ block: context.block, volts: context.pendingDemand! }),
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
            onError: {
              target: '#block.error',
              actions: [
                assign({ fault: ({ context, event }) => `correcting towards ${context.setpoint} V failed: ${errorText(event.error)}` }),
                { type: 'reply', params: ({ context }) => replyTo(context, errorReply('ALGORITM_ERROR', `block ${context.block}: ${context.fault}`)) },
              ],
            },
          },
          on: {
            COMMAND_TIMEOUT: { actions: assign({ inFlight: ({ context }) => ({ ...context.inFlight!, ending: 'timeout' as const }) }) },
            ABORT: { actions: assign({ inFlight: ({ context }) => ({ ...context.inFlight!, ending: 'shutdown' as const }) }) },
          },
        },
      },
    },
    error: {
      type: 'final',
    },
  },
  output: ({ context }) => ({ fault: context.fault ?? 'unknown fault' }),
});
