// One voltmeter reading one divider: runs its init sequence, then reads in a loop and reports
// each reading to the supervisor, stamped with its integration window.

import { assign, fromPromise, sendParent, setup } from 'xstate';
import type { Fault, Reading } from './types.js';
import { errorText } from './types.js';

export interface VoltmeterInput {
  voltmeter: string;
  /** HV volts per voltmeter volt (e.g. -4050.65). */
  dividerRatio: number;
  /** Longest one reading may take before the voltmeter counts as failed. */
  readingTimeoutMs: number;
}

/** What the instrument returns for one reading: its own volts and when integration began and ended. */
export interface RawReading {
  raw: number;
  startedAt: number;
  endedAt: number;
}

export interface VoltmeterContext extends VoltmeterInput {
  lastReading: Reading | null;
  readings: number;
  fault: string | null;
}

export const voltmeterMachine = setup({
  types: {
    context: {} as VoltmeterContext,
    input: {} as VoltmeterInput,
    output: {} as Fault,
  },
  actors: {
    /** Identifies the instrument and runs its init sequence. */
    initVoltmeter: fromPromise<void, { voltmeter: string }>(async () => {
      throw new Error('initVoltmeter is provided by src/devices');
    }),
    /** Takes one reading. */
    takeReading: fromPromise<RawReading, { voltmeter: string }>(async () => {
      throw new Error('takeReading is provided by src/devices');
    }),
  },
  delays: {
    readingTimeout: ({ context }) => context.readingTimeoutMs,
  },
}).createMachine({
  id: 'voltmeter',
  context: ({ input }) => ({ ...input, lastReading: null, readings: 0, fault: null }),
  initial: 'initializing',
  states: {
    initializing: {
      invoke: {
        src: 'initVoltmeter',
        input: ({ context }) => ({ voltmeter: context.voltmeter }),
        onDone: 'measuring',
        onError: {
          target: 'error',
          actions: assign({ fault: ({ event }) => `initialisation failed: ${errorText(event.error)}` }),
        },
      },
      after: {
        readingTimeout: {
          target: 'error',
          actions: assign({ fault: ({ context }) => `initialisation took longer than ${context.readingTimeoutMs / 1000} s` }),
        },
      },
    },
    measuring: {
      invoke: {
        src: 'takeReading',
        input: ({ context }) => ({ voltmeter: context.voltmeter }),
        onDone: [
          {
            // Never pass on a non-finite reading: JSON cannot carry it and Online drops the message.
            guard: ({ event }) => !Number.isFinite(event.output.raw),
            target: 'error',
            actions: assign({ fault: ({ event }) => `reading ${event.output.raw} V is not a finite number; expected a voltage` }),
          },
          {
            target: 'measuring',
            reenter: true,
            actions: [
              assign({
                lastReading: ({ context, event }) => ({
                  voltmeter: context.voltmeter,
                  raw: event.output.raw,
                  volts: event.output.raw * context.dividerRatio,
                  startedAt: event.output.startedAt,
                  endedAt: event.output.endedAt,
                }),
                readings: ({ context }) => context.readings + 1,
              }),
              sendParent(({ context }) => ({ type: 'READING' as const, reading: context.lastReading! })),
            ],
          },
        ],
        onError: {
          target: 'error',
          actions: assign({ fault: ({ event }) => `reading failed: ${errorText(event.error)}` }),
        },
      },
      // A safety net under the driver's own timeouts: a reading that never comes is a failure.
      after: {
        readingTimeout: {
          target: 'error',
          actions: assign({ fault: ({ context }) => `no reading within ${context.readingTimeoutMs / 1000} s` }),
        },
      },
    },
    error: { type: 'final' },
  },
  output: ({ context }) => ({ fault: context.fault ?? 'unknown fault' }),
});
