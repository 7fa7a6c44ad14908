// One counting module of the detector: idle until a client starts an acquisition, then counting
// for an interval, reading the counter, publishing the count rate, and again, until a stop, the
// acquisition's duration, or a counter that fails (the supervisor restarts the module). Pure: the
// counter is read by the provided `readCounts` actor; answers and publications are named actions.

import { assign, enqueueActions, fromPromise, setup } from 'xstate';
import { errorReply, errorText, type AlarmSeverity, type Fault, type Origin, type Reply } from '../src/kit/index.js';

export type DetectorCommand =
  | { command_type: 'start_acquisition'; module: string; interval_s?: number; duration_s?: number }
  | { command_type: 'stop_acquisition'; module: string }
  | { command_type: 'get_status'; module: string };

export type ModuleEvent = { type: 'COMMAND'; command: DetectorCommand; origin: Origin } | { type: 'ABORT' };

export interface ModuleInput {
  module: string;
  defaultIntervalMs: number;
  rateLimitHz: number;
}

/** One interval's count, as the module publishes it (the manager stamps the time). */
export interface CountRate {
  module: string;
  counts: number;
  intervalMs: number;
  rateHz: number;
}

export interface ModuleAlarm {
  code: 'RATE_HIGH';
  severity: AlarmSeverity;
  message: string;
  value: number;
}

export interface ModuleContext {
  module: string;
  defaultIntervalMs: number;
  rateLimitHz: number;
  intervalMs: number;
  /** Acquisition time left before it ends by itself, or null (until stopped). */
  remainingMs: number | null;
  counts: number;
  intervals: number;
  lastRate: CountRate | null;
  alarms: ModuleAlarm[];
  fault: string | null;
}

function answer(origin: Origin, command: DetectorCommand, fields: Record<string, unknown> = {}): Reply {
  return { origin, message: { type: 'answer', answer_type: command.command_type, module: command.module, status: 'ok', ...fields } };
}

function status(context: ModuleContext, state: string): Record<string, unknown> {
  return {
    state,
    interval_s: context.intervalMs / 1000,
    counts: context.counts,
    intervals: context.intervals,
    rate_hz: context.lastRate?.rateHz ?? null,
  };
}

type StartCommand = Extract<DetectorCommand, { command_type: 'start_acquisition' }>;
type CommandOf = { type: 'COMMAND'; command: DetectorCommand; origin: Origin };

const isCommand = (type: DetectorCommand['command_type']) => ({ event }: { event: ModuleEvent }) => event.type === 'COMMAND' && event.command.command_type === type;

/** The acquisition's duration has been counted. */
const finished = ({ context }: { context: ModuleContext }) => context.remainingMs !== null && context.remainingMs <= 0;

/** One interval read: counts added, the rate and its alarm kept, the rate published. */
function takeCounts(context: ModuleContext, counts: number): { patch: Partial<ModuleContext>; rate: CountRate } {
  const rate: CountRate = { module: context.module, counts, intervalMs: context.intervalMs, rateHz: counts / (context.intervalMs / 1000) };
  const alarms: ModuleAlarm[] =
    rate.rateHz > context.rateLimitHz
      ? [
          {
            code: 'RATE_HIGH',
            severity: 'MINOR',
            value: rate.rateHz,
            message: `module ${context.module} counts ${rate.rateHz.toFixed(0)} Hz, above its limit of ${context.rateLimitHz} Hz: counts are being lost to dead time`,
          },
        ]
      : [];
  const remainingMs = context.remainingMs === null ? null : context.remainingMs - context.intervalMs;
  return { patch: { counts: context.counts + counts, intervals: context.intervals + 1, lastRate: rate, alarms, remainingMs }, rate };
}

export const moduleMachine = setup({
  types: {
    context: {} as ModuleContext,
    events: {} as ModuleEvent,
    input: {} as ModuleInput,
    output: {} as Fault,
  },
  actors: {
    /** Reads and clears the module's counter: the counts since the last read. */
    readCounts: fromPromise<number, { module: string }>(async () => {
      throw new Error('readCounts is provided by the detector manager');
    }),
  },
  actions: {
    /** Delivers an answer or error reply to one client. */
    reply: (_, _params: Reply) => {},
    /** Publishes one interval's count rate to every client and logs it. */
    publishRate: (_, _params: CountRate) => {},
  },
  delays: {
    interval: ({ context }) => context.intervalMs,
  },
}).createMachine({
  id: 'module',
  context: ({ input }) => ({
    module: input.module,
    defaultIntervalMs: input.defaultIntervalMs,
    rateLimitHz: input.rateLimitHz,
    intervalMs: input.defaultIntervalMs,
    remainingMs: null,
    counts: 0,
    intervals: 0,
    lastRate: null,
    alarms: [],
    fault: null,
  }),
  initial: 'idle',
  states: {
    idle: {
      on: {
        COMMAND: [
          {
            guard: isCommand('start_acquisition'),
            target: 'acquiring',
            actions: [
              assign(({ context, event }) => {
                const command = (event as CommandOf).command as StartCommand;
                const intervalMs = command.interval_s !== undefined ? command.interval_s * 1000 : context.defaultIntervalMs;
                return { intervalMs, remainingMs: command.duration_s !== undefined ? command.duration_s * 1000 : null, counts: 0, intervals: 0, lastRate: null, alarms: [] };
              }),
              { type: 'reply', params: ({ event }) => answer((event as CommandOf).origin, (event as CommandOf).command) },
            ],
          },
          {
            actions: enqueueActions(({ context, event, enqueue }) => {
              const { command, origin } = event as CommandOf;
              const fields = command.command_type === 'get_status' ? status(context, 'idle') : { note: 'not acquiring' };
              enqueue({ type: 'reply', params: answer(origin, command, fields) });
            }),
          },
        ],
      },
    },
    acquiring: {
      initial: 'counting',
      on: {
        COMMAND: [
          {
            guard: isCommand('stop_acquisition'),
            target: 'idle',
            actions: { type: 'reply', params: ({ context, event }) => answer((event as CommandOf).origin, (event as CommandOf).command, status(context, 'stopped')) },
          },
          {
            actions: enqueueActions(({ context, event, enqueue }) => {
              const { command, origin } = event as CommandOf;
              if (command.command_type === 'get_status') return enqueue({ type: 'reply', params: answer(origin, command, status(context, 'acquiring')) });
              const message = errorReply('SERVER_BUSY_ERROR', `module ${context.module} is acquiring; send stop_acquisition first, or wait for its duration to end`);
              enqueue({ type: 'reply', params: { origin, message } });
            }),
          },
        ],
        ABORT: { target: 'idle' },
      },
      states: {
        counting: {
          // An acquisition with a duration ends by itself once its time is counted.
          always: { guard: finished, target: '#module.idle' },
          after: { interval: 'reading' },
        },
        reading: {
          invoke: {
            src: 'readCounts',
            input: ({ context }) => ({ module: context.module }),
            onDone: {
              target: 'counting',
              actions: enqueueActions(({ context, event, enqueue }) => {
                const { patch, rate } = takeCounts(context, event.output);
                enqueue.assign(patch);
                enqueue({ type: 'publishRate', params: rate });
              }),
            },
            onError: {
              target: '#module.error',
              actions: assign({ fault: ({ event }) => `counter read failed: ${errorText(event.error)}` }),
            },
          },
        },
      },
    },
    error: {
      type: 'final',
    },
  },
  output: ({ context }) => ({ fault: context.fault ?? 'failed' }),
});
