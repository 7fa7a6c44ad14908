// One voltmeter reading one divider: runs its init sequence, then reads in a loop and delivers
// each reading, stamped with its integration window: published to every client and the log
// (`publishReading`), and sent to each block on its divider that runs now. The blocks are its
// route, given at spawn (`blocks`, their ids in the actor system, where the supervisor registers
// each child while it runs): a reading costs the supervisor no step of its own.
//
// The instrument is read by one long-lived actor, the reader, for as long as the voltmeter runs:
// ASK starts a reading, which it sends back as READING_TAKEN (or READING_FAILED); DROP abandons
// the one in progress (machines/instrument-query.ts). A promise actor started per reading cost an
// actor, its abort controller and two more events each ~4 s per voltmeter, for the same exchange.

import { assign, cancel, enqueueActions, fromPromise, raise, sendTo, setup, type AnyActorRef } from 'xstate';
import { instrumentQuery } from './instrument-query.js';
import type { Fault, Reading } from './types.js';
import { errorText } from './types.js';

export interface VoltmeterInput {
  voltmeter: string;
  /** One reading's duration (about 4.02 s): how far a resync may stretch the cycle. */
  readingPeriodMs: number;
  /** HV volts per voltmeter volt (e.g. -4050.65). */
  dividerRatio: number;
  /** Longest one reading may take before the voltmeter counts as failed. */
  readingTimeoutMs: number;
  /** The blocks on this divider, by their ids in the actor system: each reading goes to those running. */
  blocks: string[];
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
  /** Output changes the meter lined its readings up with (see RESYNC). */
  resyncs: number;
  resyncDelayMs: number;
  /** A long settle is under way (SETTLED not yet received). */
  settlePending: boolean;
  /** ...and it ends within one reading period (SETTLE_NEAR received). */
  settleNear: boolean;
  fault: string | null;
}

/**
 * A block changed its output and says how long the transient needs. The meter lines its readings
 * up so that one begins exactly then, while still reading every ~4 s for Online:
 * - a short settle (up to one reading period): the reading in progress, which carries the change
 *   anyway, is abandoned and the next begins when the settle ends (a gap of at most two periods);
 * - a long settle: readings go on, and only the one that would begin just before the settle ends
 *   waits for it (one cycle stretched, again at most two periods).
 */
export type VoltmeterEvent =
  | { type: 'RESYNC'; delayMs: number }
  | { type: 'SETTLE_NEAR' }
  | { type: 'SETTLED' }
  | { type: 'READING_TAKEN'; output: RawReading }
  | { type: 'READING_FAILED'; error: unknown }
  /** No reading within readingTimeoutMs of asking for it (raised by the voltmeter itself). */
  | { type: 'READING_OVERDUE' };

/**
 * The voltmeter's reader over `read` (one reading of voltmeter `voltmeter`; `signal` aborts it):
 * ASK starts a reading, DROP abandons the one in progress (see instrument-query.ts).
 */
export function instrumentReader(read: (voltmeter: string, signal: AbortSignal) => Promise<RawReading>) {
  return instrumentQuery(
    (input: { voltmeter: string }, signal) => read(input.voltmeter, signal),
    (output): Extract<VoltmeterEvent, { type: 'READING_TAKEN' }> => ({ type: 'READING_TAKEN', output }),
    (error): Extract<VoltmeterEvent, { type: 'READING_FAILED' }> => ({ type: 'READING_FAILED', error }),
  );
}

const voltmeter = setup({
  types: {
    context: {} as VoltmeterContext,
    events: {} as VoltmeterEvent,
    input: {} as VoltmeterInput,
    output: {} as Fault,
  },
  actors: {
    /** Identifies the instrument and runs its init sequence. */
    initVoltmeter: fromPromise<void, { voltmeter: string }>(async () => {
      throw new Error('initVoltmeter is provided by src/hv/devices');
    }),
    /** Takes one reading per ASK, for as long as the voltmeter runs (see instrumentReader). */
    reader: instrumentReader(async () => {
      throw new Error('reader is provided by src/hv/devices');
    }),
  },
  delays: {
    readingTimeout: ({ context }) => context.readingTimeoutMs,
    resyncDelay: ({ context }) => context.resyncDelayMs,
  },
  guards: {
    shortSettle: ({ context, event }) => (event as { delayMs: number }).delayMs <= context.readingPeriodMs,
  },
  actions: {
    startReading: sendTo('reader', { type: 'ASK' }),
    /** A safety net under the driver's own time-outs: a reading asked for must come within readingTimeoutMs. */
    armReadingTimeout: raise({ type: 'READING_OVERDUE' }, { delay: ({ context }) => context.readingTimeoutMs, id: 'readingTimeout' }),
    disarmReadingTimeout: cancel('readingTimeout'),
    abandonReading: sendTo('reader', { type: 'DROP' }),
    /** Publishes a reading to every client and logs it (provided by the manager: src/hv/rack-manager.ts). */
    publishReading: (_, _params: { reading: Reading }) => {},
    startShortSettle: enqueueActions(({ context, event, enqueue }) => {
      enqueue.cancel('settleNear');
      enqueue.cancel('settled');
      enqueue.assign({
        resyncDelayMs: Math.max(0, (event as { delayMs: number }).delayMs),
        resyncs: context.resyncs + 1,
        settlePending: false,
        settleNear: false,
      });
    }),
    startLongSettle: enqueueActions(({ context, event, enqueue }) => {
      const delay = (event as { delayMs: number }).delayMs;
      enqueue.cancel('settleNear');
      enqueue.cancel('settled');
      enqueue.assign({ resyncs: context.resyncs + 1, settlePending: true, settleNear: false });
      enqueue.raise({ type: 'SETTLE_NEAR' }, { delay: delay - context.readingPeriodMs, id: 'settleNear' });
      enqueue.raise({ type: 'SETTLED' }, { delay, id: 'settled' });
    }),
  },
});

/** The reading just taken: published first, then sent to each running block on the divider (a block is not registered while it restarts). */
const publish = voltmeter.enqueueActions(({ context, event, enqueue, system }) => {
  const output = (event as unknown as { output: RawReading }).output;
  const reading: Reading = {
    voltmeter: context.voltmeter,
    raw: output.raw,
    volts: output.raw * context.dividerRatio,
    startedAt: output.startedAt,
    endedAt: output.endedAt,
  };
  enqueue.assign({ lastReading: reading, readings: context.readings + 1 });
  enqueue({ type: 'publishReading', params: { reading } });
  for (const id of context.blocks) {
    const block = system.get(id) as AnyActorRef | undefined;
    if (block) enqueue.sendTo(block, { type: 'READING', reading });
  }
});

export const voltmeterMachine = voltmeter.createMachine({
  id: 'voltmeter',
  context: ({ input }) => ({
    ...input,
    lastReading: null,
    readings: 0,
    resyncs: 0,
    resyncDelayMs: 0,
    settlePending: false,
    settleNear: false,
    fault: null,
  }),
  invoke: { id: 'reader', src: 'reader', input: ({ context }) => ({ voltmeter: context.voltmeter }) },
  on: {
    SETTLE_NEAR: { actions: assign({ settleNear: ({ context }) => context.settlePending }) },
    SETTLED: { actions: assign({ settlePending: false, settleNear: false }) },
  },
  initial: 'initializing',
  states: {
    initializing: {
      invoke: {
        src: 'initVoltmeter',
        input: ({ context }) => ({ voltmeter: context.voltmeter }),
        onDone: [
          // A short settle began while the meter was being set up: start late rather than early.
          { guard: ({ context }) => context.resyncDelayMs > 0, target: 'resyncing' },
          { target: 'measuring' },
        ],
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
      on: {
        RESYNC: [{ guard: 'shortSettle', actions: 'startShortSettle' }, { actions: 'startLongSettle' }],
      },
    },
    measuring: {
      entry: ['startReading', 'armReadingTimeout'],
      exit: 'disarmReadingTimeout',
      on: {
        READING_TAKEN: [
          {
            // Never pass on a non-finite reading: JSON cannot carry it and Online drops the message.
            guard: ({ event }) => !Number.isFinite(event.output.raw),
            target: 'error',
            actions: assign({ fault: ({ event }) => `reading ${event.output.raw} V is not a finite number; expected a voltage` }),
          },
          {
            // The settle ends before another whole reading would: publish this one, then wait for it.
            guard: ({ context }) => context.settlePending && context.settleNear,
            target: 'waitingToSettle',
            actions: publish,
          },
          {
            // The next reading is asked for at once, with a time-out of its own: a step within
            // measuring rather than leaving and entering it again, at every reading.
            actions: [publish, 'startReading', 'disarmReadingTimeout', 'armReadingTimeout'],
          },
        ],
        READING_OVERDUE: {
          target: 'error',
          actions: assign({ fault: ({ context }) => `no reading within ${context.readingTimeoutMs / 1000} s` }),
        },
        READING_FAILED: {
          target: 'error',
          actions: assign({ fault: ({ event }) => `reading failed: ${errorText(event.error)}` }),
        },
        RESYNC: [
          { guard: 'shortSettle', target: 'resyncing', actions: ['abandonReading', 'startShortSettle'] },
          { actions: 'startLongSettle' },
        ],
      },
    },
    /** A short settle: the abandoned reading's successor begins when it ends. */
    resyncing: {
      after: { resyncDelay: 'measuring' },
      on: {
        RESYNC: [
          { guard: 'shortSettle', target: 'resyncing', reenter: true, actions: 'startShortSettle' },
          { target: 'waitingToSettle', actions: 'startLongSettle' },
        ],
      },
    },
    /** A long settle's last stretch: the next reading begins when it ends. */
    waitingToSettle: {
      on: {
        SETTLED: { target: 'measuring', actions: assign({ settlePending: false, settleNear: false }) },
        RESYNC: [
          { guard: 'shortSettle', target: 'resyncing', actions: 'startShortSettle' },
          { actions: 'startLongSettle' },
        ],
      },
    },
    error: { type: 'final' },
  },
  output: ({ context }) => ({ fault: context.fault ?? 'unknown fault' }),
});
