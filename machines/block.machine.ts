// One HV block: adopts the present output at start, takes one command at a time, closes the loop
// on fresh readings until the voltage is within the command's tolerance, and keeps holding it
// against drift while idle.
//
// This file is the chart: states, transitions, and the named actions, guards and actors they
// use. The arithmetic and the policy are pure modules beside it: the context and events
// (block-context.ts), settling and corrections (block-correction.ts), alarms (block-alarms.ts),
// answers to the client (block-answers.ts), and what each state does with a reading (block-readings.ts).

import { assign, cancel, enqueueActions, fromPromise, sendTo, setup } from 'xstate';
import { afterConfirmation, hasMajorAlarm, noReadingsAlarm, standbyAlarm, withAlarm } from './block-alarms.js';
import { busyReply, describe, failedReply, faultReply, setVoltageReply, shutdownReply, timeoutReply } from './block-answers.js';
import {
  checkCommand,
  initialContext,
  type BlockContext,
  type BlockEvent,
  type BlockInput,
  type OutputFound,
  type OutputState,
  type SetpointSent,
} from './block-context.js';
import { announcedSettle, reachable, written } from './block-correction.js';
import { whileAlarmed, whileChecking, whileHolding, type BlockStep } from './block-readings.js';
import { instrumentQuery } from './instrument-query.js';
import { afterNewSetpoint, freshJudge } from './reading-judge.js';
import { topState } from '../src/kit/machines/top-state.js';
import type { CommandEvent, Fault, Reading, ReadingEvent, Reply } from './types.js';
import { errorText, isStandbyError } from './types.js';

export type { BlockContext, BlockEvent, BlockInput, CorrectionSettings, CorrectionStrategy, OutputFound, OutputState, SetpointSent } from './block-context.js';

/** The block's top-level state ('idle', 'ramping', 'correcting', ...), whatever its substate. */
export { topState };

/** What an invoked actor returned, from its done event (named actions see the machine's whole event union). */
const doneOutput = <T>(event: unknown): T => (event as { output: T }).output;
/** Why an invoked actor failed, from its error event. */
const failure = (event: unknown): string => errorText((event as { error: unknown }).error);

/** What taking a command sets, in idle or in alarm: it is in flight, its demand (within what the output can produce) is to be written, holding starts again after it. */
function commandTaken(context: BlockContext, { command, origin }: CommandEvent): Partial<BlockContext> {
  return { inFlight: { command, origin, ending: null }, pendingDemand: reachable(context, command.voltage), holdError: null, holdFrom: null, adopting: false };
}

/**
 * The output's prober over `probe` (the state of block `block`'s output), one actor for as long as
 * the block runs: each output check asks it (ASK), answered with OUTPUT_STATE or OUTPUT_CHECK_FAILED
 * (instrument-query.ts). A check still running when the block leaves the state that asked is
 * answered nowhere: only a state that asks takes the answer, and its ASK abandons the old check.
 */
export function outputProber(probe: (block: number, signal: AbortSignal) => Promise<OutputState>) {
  return instrumentQuery(
    (input: { block: number }, signal) => probe(input.block, signal),
    (output): Extract<BlockEvent, { type: 'OUTPUT_STATE' }> => ({ type: 'OUTPUT_STATE', output }),
    (error): Extract<BlockEvent, { type: 'OUTPUT_CHECK_FAILED' }> => ({ type: 'OUTPUT_CHECK_FAILED', error }),
  );
}

const block = setup({
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
    /** Asks the output instrument whether it operates and what it puts out, at each ASK; changes nothing. */
    probeOutput: outputProber(async () => {
      throw new Error('probeOutput is provided by src/hv/devices');
    }),
  },
  actions: {
    /** Asks the output's prober whether the output still operates (answered with OUTPUT_STATE). */
    askOutputState: sendTo('outputProber', { type: 'ASK' }),
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
    /** A reading that is not judged here (while a write is on its way) is only recorded. */
    recordReading: assign({ lastReading: ({ event }) => (event as ReadingEvent).reading }),
    /** The output found at start becomes setpoint and demand; no output is sent. */
    adoptOutput: assign(({ event }) => {
      const found = doneOutput<OutputFound>(event);
      return { setpoint: found.hv, demand: found.hv, nominal: found.nominalHv, adopting: true, energized: found.energized ?? null, judge: freshJudge(found.offset ?? null) };
    }),
    /** A client's command is taken: a new setpoint, whose first settled reading may be off by the transfer's error over the step. */
    takeCommand: assign(({ context, event }) => ({
      ...commandTaken(context, event as CommandEvent),
      judge: afterNewSetpoint(context.judge, (event as CommandEvent).command.voltage - (context.demand ?? 0), context.settings.checks),
    })),
    /**
     * A client's command in alarm is always taken, and clears the alarms (a lost voltmeter's own
     * stays with it; the supervisor refuses checks until it reads again). It starts the expectation
     * afresh, within model_tolerance_v of the output's nominal HV, so a repaired voltmeter is
     * believed again; only what the meter last said is kept, so a stuck one is still found.
     */
    takeCommandInAlarm: assign(({ context, event }) => {
      const { judge } = context;
      return {
        ...commandTaken(context, event as CommandEvent),
        alarms: [],
        judge: afterNewSetpoint(
          { ...freshJudge(), lastRaw: judge.lastRaw, outputAtLastRaw: judge.outputAtLastRaw, repeats: judge.repeats },
          (event as CommandEvent).command.voltage - (context.demand ?? 0),
          context.settings.checks,
        ),
      };
    }),
    /** From a command, holding starts from its demand (or its last correction, still to be written); back from an alarm, from where it was. */
    beginHolding: assign(({ context }) => ({
      holdFrom: context.inFlight || context.holdFrom === null ? (context.pendingDemand ?? context.demand) : context.holdFrom,
      inFlight: null,
    })),
    /** The output was written: its demand, and the step whose transient readings will carry. */
    recordWrite: assign(({ context, event }) => written(context, doneOutput<SetpointSent>(event))),
    /** The command's voltage is now the setpoint, and the output is on. */
    commandWritten: assign({ setpoint: ({ context }) => context.inFlight!.command.voltage, energized: true }),
    countCorrection: assign({ corrections: ({ context }) => context.corrections + 1 }),
    /** A correction written while holding: the smoothing starts again on the new demand. */
    forgetHoldError: assign({ holdError: null }),
    /** The command's timeout passed while a write is on its way: it ends once the output arrives. */
    endOnTimeout: assign({ inFlight: ({ context }) => ({ ...context.inFlight!, ending: 'timeout' as const }) }),
    /** Shutdown while a write is on its way: the command ends once the output arrives. */
    endOnShutdown: assign({ inFlight: ({ context }) => ({ ...context.inFlight!, ending: 'shutdown' as const }) }),
    /** The reading that confirmed the check: only a standby raised under it stays; its last correction is written from idle. */
    confirmCheck: assign(({ context, event }) => ({
      alarms: afterConfirmation(context.alarms),
      pendingDemand: (event as Extract<BlockEvent, { type: 'CHECK_CONFIRMED' }>).lastCorrection,
    })),
    /** In alarm nothing is in flight or to be written, and the readings' recent history starts again. */
    freezeForAlarm: assign(({ context }) => ({
      inFlight: null,
      pendingDemand: null,
      holdError: null,
      judge: { ...context.judge, history: [], historyBefore: null, plausibleRun: 0 },
    })),
    /** Without readings nothing can be checked or corrected: raised wherever the block is. */
    raiseNoReadings: assign({
      alarms: ({ context, event }) => {
        const lost = event as Extract<BlockEvent, { type: 'VOLTMETER_LOST' }>;
        return withAlarm(context.alarms, noReadingsAlarm(lost.voltmeter, lost.fault));
      },
    }),
    /** The output is in standby while the block had it on: only a client's command clears this. */
    raiseStandby: assign({ alarms: ({ context }) => withAlarm(context.alarms, standbyAlarm(context)) }),
    dropPendingDemand: assign({ pendingDemand: null }),
    /** Found in standby before any command (a rack at rest): nothing to hold, nothing to raise. */
    restingInStandby: assign({ pendingDemand: null, energized: false }),
    /** The output instrument did not answer its check, or answered wrong: the block fails (and is restarted). */
    outputCheckFailed: assign({ fault: ({ event }) => `checking the output failed: ${failure(event)}` }),
    adoptionFailed: assign({ fault: ({ event }) => `reading the present output failed: ${failure(event)}` }),
    settingFailed: assign({ fault: ({ context, event }) => `setting ${context.inFlight!.command.voltage} V failed: ${failure(event)}` }),
    holdingFailed: assign({ fault: ({ context, event }) => `holding ${context.setpoint} V failed: ${failure(event)}` }),
    correctingFailed: assign({ fault: ({ context, event }) => `correcting towards ${context.setpoint} V failed: ${failure(event)}` }),
    /** An output found operating is on, whoever switched it on; one found in standby before any command is off. */
    noteOutputState: assign({ energized: ({ context, event }) => context.energized === true || doneOutput<OutputState>(event).operating }),
  },
  guards: {
    isCheck: ({ context }) => checkCommand(context) !== null,
    endingOnTimeout: ({ context }) => context.inFlight?.ending === 'timeout',
    endingOnShutdown: ({ context }) => context.inFlight?.ending === 'shutdown',
    hasAlarm: ({ context }) => context.alarms.length > 0,
    noAlarm: ({ context }) => context.alarms.length === 0,
    hasMajorAlarm: ({ context }) => hasMajorAlarm(context.alarms),
    hasPendingDemand: ({ context }) => context.pendingDemand !== null,
    standbyRejected: ({ event }) => isStandbyError((event as { error?: unknown }).error),
    /** A write refused for standby while the block had the output on. */
    standbyWhileOn: ({ context, event }) => isStandbyError((event as { error?: unknown }).error) && context.energized === true,
    /** The output check found the instrument in standby while the block had it on. */
    foundInStandby: ({ context, event }) => !doneOutput<OutputState>(event).operating && context.energized === true,
    /** The block has the output on and the check found it operating: noteOutputState would change nothing. */
    knownOn: ({ context, event }) => doneOutput<OutputState>(event).operating && context.energized === true,
  },
  delays: {
    commandTimeout: ({ context }) => (checkCommand(context)?.timeout ?? 0) * 1000,
    outputCheck: ({ context }) => context.settings.outputCheckMs,
  },
});

/** Only set_voltage_and_check has a timeout; it runs from the moment the command is taken. */
const startCommandTimeout = block.enqueueActions(({ check, enqueue }) => {
  if (check('isCheck')) enqueue.raise({ type: 'COMMAND_TIMEOUT' }, { delay: 'commandTimeout', id: 'commandTimeout' });
});

/**
 * Takes a reading as the state's policy decides (block-readings.ts): its assignments as one, first,
 * then its effects and raised events in their order. Each assignment copies the whole context and
 * makes a new snapshot (its state value worked out again), at every reading; one does for all.
 * The order is kept where it shows: the steps are all decided from the context before the reading,
 * the effects read nothing of the context but the block's number (their params carry the rest),
 * and a raised event is taken only after the whole step.
 */
const onReading = (decide: (context: BlockContext, reading: Reading) => BlockStep[]) =>
  block.enqueueActions(({ context, event, enqueue }) => {
    const steps = decide(context, (event as ReadingEvent).reading);
    let patch = null as Partial<BlockContext> | null;
    for (const step of steps) if ('assign' in step) patch = patch ? Object.assign(patch, step.assign) : { ...step.assign };
    if (patch) enqueue.assign(patch);
    for (const step of steps) {
      if ('effect' in step) enqueue(step.effect);
      else if ('raise' in step) enqueue.raise(step.raise);
    }
  });

/** Replies to the client whose command is in flight. */
const answer = (reply: (context: BlockContext) => Reply) => ({ type: 'reply', params: ({ context }: { context: BlockContext }) => reply(context) }) as const;

/**
 * Asks the output instrument whether it still operates (idle, correcting and alarm all do): a
 * standby while the block had it on raises OUTPUT_STANDBY and goes to `onStandby`, otherwise to
 * `then`; a failed check fails the block (answering a command in flight when `answers`).
 */
function outputCheck(onStandby: string, then: string, answers = false) {
  return {
    entry: 'askOutputState',
    on: {
      OUTPUT_STATE: [
        { guard: 'foundInStandby', target: onStandby, actions: 'raiseStandby' },
        // Known to be on (the usual answer, every few seconds): nothing to note, no copy of the context.
        { guard: 'knownOn', target: then },
        { target: then, actions: 'noteOutputState' },
      ],
      OUTPUT_CHECK_FAILED: { target: '#block.error', actions: answers ? (['outputCheckFailed', answer(failedReply)] as const) : ('outputCheckFailed' as const) },
    },
  } as const;
}

export const blockMachine = block.createMachine({
  id: 'block',
  context: ({ input }) => initialContext(input),
  // The output's prober runs as long as the block: each output check asks it (askOutputState).
  invoke: { id: 'outputProber', src: 'probeOutput', input: ({ context }) => ({ block: context.block }) },
  initial: 'starting',
  on: {
    READING: { actions: 'recordReading' },
    COMMAND: { actions: { type: 'reply', params: ({ context, event }) => busyReply(context, event) } },
    VOLTMETER_LOST: { actions: 'raiseNoReadings' },
  },
  states: {
    starting: {
      invoke: {
        src: 'readSetpoint',
        input: ({ context }) => ({ block: context.block }),
        onDone: {
          target: 'idle',
          actions: ['adoptOutput', { type: 'note', params: ({ event }) => ({ message: `adopted the present output as setpoint: ${event.output.hv} V` }) }],
        },
        onError: { target: 'error', actions: 'adoptionFailed' },
      },
    },
    idle: {
      entry: [cancel('commandTimeout'), 'beginHolding'],
      initial: 'watching',
      always: { guard: 'hasAlarm', target: 'alarm' },
      on: {
        COMMAND: { target: 'ramping', actions: 'takeCommand' },
        ABORT: {},
        // Judged in watching and while the output is being checked; while a correction is being
        // written (adjusting) a reading is only recorded, so the write's demand cannot change under it.
        READING: { actions: onReading(whileHolding) },
      },
      states: {
        watching: {
          after: { outputCheck: 'probing' },
          always: { guard: 'hasPendingDemand', target: 'adjusting' },
        },
        adjusting: {
          on: { READING: { actions: 'recordReading' } },
          invoke: {
            src: 'applySetpoint',
            input: ({ context }) => ({ block: context.block, volts: context.pendingDemand!, energize: false }),
            onDone: {
              target: 'watching',
              actions: [
                'recordWrite',
                'forgetHoldError',
                'countCorrection',
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
              { guard: 'standbyWhileOn', target: '#block.alarm', actions: ['dropPendingDemand', 'raiseStandby'] },
              { guard: 'standbyRejected', target: 'watching', actions: 'restingInStandby' },
              { target: '#block.error', actions: 'holdingFailed' },
            ],
          },
        },
        // Every so often: is the output still operating? (A standby pressed at the front panel.)
        probing: outputCheck('#block.alarm', 'watching'),
      },
    },
    ramping: {
      entry: startCommandTimeout,
      invoke: {
        // The one write that may energize the output: a client asked for this voltage.
        src: 'applySetpoint',
        input: ({ context }) => ({ block: context.block, volts: context.pendingDemand!, energize: true }),
        onDone: [
          {
            guard: 'isCheck',
            target: 'correcting',
            // Our strategy tells the voltmeter when the change will have settled (the supervisor passes it on as RESYNC).
            actions: [
              'recordWrite',
              'commandWritten',
              enqueueActions(({ context, enqueue }) => {
                if (context.settings.correction.strategy === 'ours') enqueue({ type: 'outputChanged', params: announcedSettle(context) });
              }),
            ],
          },
          { target: 'idle', actions: ['recordWrite', 'commandWritten', answer(setVoltageReply)] },
        ],
        onError: { target: 'error', actions: ['settingFailed', answer(failedReply)] },
      },
      on: {
        // The output is on its way to the instrument: let it arrive, then end the command.
        COMMAND_TIMEOUT: { actions: 'endOnTimeout' },
        ABORT: { actions: 'endOnShutdown' },
      },
    },
    correcting: {
      initial: 'waiting',
      on: {
        // Judged while waiting and while the output is being checked; recorded only while a correction is written.
        READING: { actions: onReading(whileChecking) },
        // Raised by the reading that answered ok (whichever substate it came in).
        // Its last correction is written from idle, as holding writes: the command is answered and over.
        CHECK_CONFIRMED: { target: '#block.idle', actions: 'confirmCheck' },
      },
      states: {
        waiting: {
          after: { outputCheck: 'probing' },
          always: [
            { guard: 'endingOnTimeout', target: '#block.idle', actions: answer(timeoutReply) },
            { guard: 'endingOnShutdown', target: '#block.idle', actions: answer(shutdownReply) },
            { guard: 'hasMajorAlarm', target: '#block.alarm', actions: answer(faultReply) },
            { guard: 'hasPendingDemand', target: 'adjusting' },
          ],
          on: {
            COMMAND_TIMEOUT: { target: '#block.idle', actions: answer(timeoutReply) },
            ABORT: { target: '#block.idle', actions: answer(shutdownReply) },
          },
        },
        adjusting: {
          invoke: {
            // A correction never energizes: if the output went to standby, the command stops here.
            src: 'applySetpoint',
            input: ({ context }) => ({ block: context.block, volts: context.pendingDemand!, energize: false }),
            onDone: {
              target: 'waiting',
              // As after the command's own write: the voltmeter waits for this change to settle.
              actions: [
                'recordWrite',
                'countCorrection',
                enqueueActions(({ context, enqueue }) => {
                  if (context.settings.correction.strategy === 'ours') enqueue({ type: 'outputChanged', params: announcedSettle(context) });
                }),
              ],
            },
            onError: [
              { guard: 'standbyRejected', target: '#block.alarm', actions: ['dropPendingDemand', 'raiseStandby', answer(faultReply)] },
              { target: '#block.error', actions: ['correctingFailed', answer(failedReply)] },
            ],
          },
          on: {
            READING: { actions: 'recordReading' },
            COMMAND_TIMEOUT: { actions: 'endOnTimeout' },
            ABORT: { actions: 'endOnShutdown' },
          },
        },
        // While waiting for readings: does the output still operate? A standby ends the command now.
        probing: {
          entry: outputCheck('waiting', 'waiting', true).entry,
          on: {
            ...outputCheck('waiting', 'waiting', true).on,
            COMMAND_TIMEOUT: { actions: 'endOnTimeout' },
            ABORT: { actions: 'endOnShutdown' },
          },
        },
      },
    },
    // Something is wrong with the output or the readings: the demand stays where it was, nothing is
    // corrected or learned, and nothing is written. Readings back where the demand should put them
    // clear the alarm (two in a row; one for a held spike) and holding resumes from that same demand,
    // so recovery cannot overshoot. Standby is cleared only by a client's command.
    alarm: {
      entry: [cancel('commandTimeout'), 'freezeForAlarm'],
      initial: 'checkingOutput',
      on: {
        COMMAND: {
          target: 'ramping',
          actions: ['takeCommandInAlarm', { type: 'note', params: ({ event }) => ({ message: `alarms cleared by a command: ${describe(event.command)}` }) }],
        },
        ABORT: {},
        READING: { actions: onReading(whileAlarmed) },
      },
      states: {
        // On entry and every output_check_s: is a missing output the supply, or a standby? Is the instrument there?
        checkingOutput: outputCheck('watching', 'watching'),
        watching: {
          after: { outputCheck: 'checkingOutput' },
          always: { guard: 'noAlarm', target: '#block.idle' },
        },
      },
    },
    error: {
      type: 'final',
    },
  },
  output: ({ context }) => ({ fault: context.fault ?? 'unknown fault' }),
});
