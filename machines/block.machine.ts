// One HV block: adopts the present output at start, takes one command at a time, and decides
// when a set_voltage_and_check is done from readings that began after the output settled.

import { assign, cancel, enqueueActions, fromPromise, setup } from 'xstate';
import type { Command, SetVoltageAndCheckCommand } from '../schemas/types.js';
import type { CommandEvent, Fault, Origin, Reading, ReadingEvent, Reply } from './types.js';
import { errorText } from './types.js';

export interface BlockInput {
  block: number;
  name: string;
  /** Time the output needs after a setpoint before a reading may confirm it. */
  settleMs: number;
}

interface CommandInFlight {
  command: Command;
  origin: Origin;
  /** Why the command must end as soon as the setpoint is out: its timeout passed, or shutdown. */
  ending: null | 'timeout' | 'shutdown';
}

export interface BlockContext {
  block: number;
  name: string;
  settleMs: number;
  /** HV volts last sent to the output; adopted from the instrument at start. */
  setpoint: number | null;
  setpointSentAt: number | null;
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
  /** Clock time when the instrument accepted the setpoint. */
  sentAt: number;
}

function checkCommand(context: BlockContext): SetVoltageAndCheckCommand | null {
  const command = context.inFlight?.command;
  return command?.command_type === 'set_voltage_and_check' ? command : null;
}

function isFresh(context: BlockContext, reading: Reading): boolean {
  return context.setpointSentAt !== null && reading.startedAt >= context.setpointSentAt + context.settleMs;
}

function checkAnswer(context: BlockContext, status: 'ok' | 'timeout'): Record<string, unknown> {
  const command = checkCommand(context)!;
  const answer: Record<string, unknown> = {
    type: 'answer',
    answer_type: 'set_voltage_and_check',
    block: command.blockAsSent,
    status,
  };
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
    replyTo(context, {
      type: 'reply',
      reply_type: 'error',
      error_code: 6,
      error_text_code: 'ALGORITM_ERROR',
      description: `block ${context.block}: the server is shutting down; ${describe(context.inFlight!.command)} ended before a reading confirmed it`,
    }),
} as const;

export const blockMachine = setup({
  types: {
    context: {} as BlockContext,
    events: {} as BlockEvent,
    input: {} as BlockInput,
    output: {} as Fault,
  },
  actors: {
    /** Reads the output instrument and returns the HV setpoint it is producing now. */
    readSetpoint: fromPromise<number, { block: number }>(async () => {
      throw new Error('readSetpoint is provided by src/devices');
    }),
    /** Sends an HV setpoint (volts) to the output instrument. */
    applySetpoint: fromPromise<SetpointSent, { block: number; volts: number }>(async () => {
      throw new Error('applySetpoint is provided by src/devices');
    }),
  },
  actions: {
    /** Delivers an answer or error reply to the client that sent the command. */
    reply: (_, _params: Reply) => {},
    /** Records what the block did, for the log. */
    note: (_, _params: { message: string; fields?: Record<string, unknown> }) => {},
  },
  guards: {
    isCheck: ({ context }) => checkCommand(context) !== null,
    endingOnTimeout: ({ context }) => context.inFlight?.ending === 'timeout',
    endingOnShutdown: ({ context }) => context.inFlight?.ending === 'shutdown',
    freshAndWithinTolerance: ({ context, event }) => {
      const command = checkCommand(context);
      if (!command || event.type !== 'READING') return false;
      return isFresh(context, event.reading) && Math.abs(event.reading.volts - command.voltage) <= command.max_error;
    },
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
    setpoint: null,
    setpointSentAt: null,
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
          message: {
            type: 'reply',
            reply_type: 'error',
            error_code: 8,
            error_text_code: 'SERVER_BUSY_ERROR',
            description: context.inFlight
              ? `block ${context.block} is busy with ${describe(context.inFlight.command)}`
              : `block ${context.block} is busy starting up`,
          },
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
            assign({ setpoint: ({ event }) => event.output }),
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
      on: {
        COMMAND: {
          target: 'ramping',
          actions: assign({ inFlight: ({ event }) => ({ command: event.command, origin: event.origin, ending: null }) }),
        },
        ABORT: {},
      },
    },
    ramping: {
      // Only set_voltage_and_check has a timeout; it runs from the moment the command is taken.
      entry: enqueueActions(({ check, enqueue }) => {
        if (check('isCheck')) enqueue.raise({ type: 'COMMAND_TIMEOUT' }, { delay: 'commandTimeout', id: 'commandTimeout' });
      }),
      invoke: {
        src: 'applySetpoint',
        input: ({ context }) => ({ block: context.block, volts: context.inFlight!.command.voltage }),
        onDone: [
          {
            guard: 'isCheck',
            target: 'correcting',
            actions: assign({
              setpoint: ({ context }) => context.inFlight!.command.voltage,
              setpointSentAt: ({ event }) => event.output.sentAt,
            }),
          },
          {
            target: 'idle',
            actions: [
              assign({
                setpoint: ({ context }) => context.inFlight!.command.voltage,
                setpointSentAt: ({ event }) => event.output.sentAt,
              }),
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
            {
              type: 'reply',
              params: ({ context }) =>
                replyTo(context, {
                  type: 'reply',
                  reply_type: 'error',
                  error_code: 6,
                  error_text_code: 'ALGORITM_ERROR',
                  description: `block ${context.block}: ${context.fault}`,
                }),
            },
          ],
        },
      },
      on: {
        // The setpoint is on its way to the instrument: let it arrive, then end the command.
        COMMAND_TIMEOUT: { actions: assign({ inFlight: ({ context }) => ({ ...context.inFlight!, ending: 'timeout' as const }) }) },
        ABORT: { actions: assign({ inFlight: ({ context }) => ({ ...context.inFlight!, ending: 'shutdown' as const }) }) },
      },
    },
    correcting: {
      always: [
        { guard: 'endingOnTimeout', target: 'idle', actions: answerTimeout },
        { guard: 'endingOnShutdown', target: 'idle', actions: answerShutdown },
      ],
      on: {
        READING: [
          {
            guard: 'freshAndWithinTolerance',
            target: 'idle',
            actions: [
              assign({ lastReading: ({ event }) => event.reading }),
              { type: 'reply', params: ({ context }) => replyTo(context, checkAnswer(context, 'ok')) },
            ],
          },
          { actions: assign({ lastReading: ({ event }) => event.reading }) },
        ],
        COMMAND_TIMEOUT: { target: 'idle', actions: answerTimeout },
        ABORT: { target: 'idle', actions: answerShutdown },
      },
    },
    error: {
      type: 'final',
    },
  },
  output: ({ context }) => ({ fault: context.fault ?? 'unknown fault' }),
});
