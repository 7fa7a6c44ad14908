// The supervisor: spawns every connector and device actor from the config, routes commands to
// blocks and readings to blocks and clients, and restarts a failed child one-for-one with
// exponential back-off, at most N restarts a minute; past that the child stays in error.

import { assign, enqueueActions, raise, setup } from 'xstate';
import type { Command } from '../schemas/types.js';
import { blockMachine, type BlockInput } from './block.machine.js';
import { connectorMachine, type ConnectorInput } from '../src/kit/machines/connector.machine.js';
import { voltmeterMachine, type VoltmeterInput } from './voltmeter.machine.js';
import { errorReply, errorText, type CommandEvent, type Fault, type Origin, type Reading, type ReadingEvent, type Reply } from './types.js';

export type ChildSpec =
  | { id: string; kind: 'block'; input: BlockInput; voltmeter: string }
  | { id: string; kind: 'voltmeter'; input: VoltmeterInput }
  | { id: string; kind: 'connector'; input: ConnectorInput };

export interface RestartPolicy {
  maxRestartsPerMinute: number;
  backoffInitialMs: number;
  backoffMaxMs: number;
}

export interface SupervisorInput {
  children: ChildSpec[];
  policy: RestartPolicy;
}

export interface ChildStatus {
  status: 'running' | 'restarting' | 'failed' | 'stopped';
  fault: string | null;
  /** Restarts within the last minute (each is forgotten 60 s after it was scheduled). */
  recentRestarts: number;
  totalRestarts: number;
  nextRestartInMs: number | null;
}

export interface SupervisorContext {
  specs: ChildSpec[];
  policy: RestartPolicy;
  children: Record<string, ChildStatus>;
}

export type SupervisorEvent =
  | CommandEvent
  | ReadingEvent
  | { type: 'RESTART_CHILD'; id: string }
  | { type: 'FORGET_RESTART'; id: string }
  | { type: 'RESET_CHILD'; id: string }
  | { type: 'SHUTDOWN' }
  | { type: 'OUTPUT_CHANGED'; block: number; settleMs: number }
  | { type: 'CHILD_FAILED'; id: string; fault: string }
  | { type: `xstate.error.actor.${string}`; error: unknown }
  | { type: `xstate.done.actor.${string}`; output: Fault | undefined };

export const RESTART_WINDOW_MS = 60_000;

const ERROR_PREFIX = 'xstate.error.actor.';
const DONE_PREFIX = 'xstate.done.actor.';

export function blockChildId(block: number): string {
  return `block-${block}`;
}

export function voltmeterChildId(voltmeter: string): string {
  return `voltmeter-${voltmeter}`;
}

function blockSpec(specs: ChildSpec[], block: number): Extract<ChildSpec, { kind: 'block' }> | undefined {
  return specs.find((s): s is Extract<ChildSpec, { kind: 'block' }> => s.kind === 'block' && s.input.block === block);
}

function unavailable(what: string, status: ChildStatus, policy: RestartPolicy): string {
  if (status.status === 'failed') {
    return `${what} is out of service after ${policy.maxRestartsPerMinute} restarts within a minute; last fault: ${status.fault}`;
  }
  const when = status.nextRestartInMs === null ? '' : `; restarting in ${(status.nextRestartInMs / 1000).toFixed(1)} s`;
  return `${what} is in error: ${status.fault}${when}`;
}

function algorithmError(origin: Origin, description: string): Reply {
  return { origin, message: errorReply('ALGORITM_ERROR', description) };
}

/** Whether a command must be refused before it reaches the block, and why. */
function refusal(context: SupervisorContext, command: Command): string | null {
  const spec = blockSpec(context.specs, command.block);
  if (!spec) return `block ${command.block} is not configured`;
  const status = context.children[spec.id]!;
  if (status.status !== 'running') return unavailable(`block ${command.block}`, status, context.policy);
  if (command.command_type === 'set_voltage_and_check') {
    const meter = context.children[voltmeterChildId(spec.voltmeter)];
    if (meter && meter.status !== 'running') {
      return `block ${command.block} cannot check its voltage: ${unavailable(`voltmeter ${spec.voltmeter}`, meter, context.policy)}`;
    }
  }
  return null;
}

export const supervisorMachine = setup({
  types: {
    context: {} as SupervisorContext,
    events: {} as SupervisorEvent,
    input: {} as SupervisorInput,
  },
  actors: {
    block: blockMachine,
    voltmeter: voltmeterMachine,
    connector: connectorMachine,
  },
  actions: {
    /** Delivers an answer or error reply to one client. */
    reply: (_, _params: Reply) => {},
    /** Publishes a reading to every client and logs it, as get_voltage for each block it measures. */
    publishReading: (_, _params: { reading: Reading; blocks: number[] }) => {},
    /** Records what the supervisor did, for the log. */
    note: (_, _params: { level: 'info' | 'warn' | 'error'; message: string; child?: string }) => {},
  },
}).createMachine({
  id: 'supervisor',
  context: ({ input }) => ({
    specs: input.children,
    policy: input.policy,
    children: Object.fromEntries(
      input.children.map((c) => [c.id, { status: 'running', fault: null, recentRestarts: 0, totalRestarts: 0, nextRestartInMs: null }]),
    ),
  }),
  entry: enqueueActions(({ context, enqueue }) => {
    // `as never`: the input's type depends on spec.kind, which TypeScript cannot follow through the union.
    for (const spec of context.specs) enqueue.spawnChild(spec.kind, { id: spec.id, input: spec.input as never });
  }),
  initial: 'running',
  on: {
    READING: {
      actions: enqueueActions(({ context, event, enqueue }) => {
        const blocks = context.specs.filter((s) => s.kind === 'block' && s.voltmeter === event.reading.voltmeter);
        enqueue({
          type: 'publishReading',
          params: { reading: event.reading, blocks: blocks.map((b) => (b as Extract<ChildSpec, { kind: 'block' }>).input.block) },
        });
        for (const b of blocks) {
          if (context.children[b.id]?.status === 'running') enqueue.sendTo(b.id, event);
        }
      }),
    },
    // A block's output changed for a command: its voltmeter starts the next reading when that settles.
    OUTPUT_CHANGED: {
      actions: enqueueActions(({ context, event, enqueue }) => {
        const spec = blockSpec(context.specs, event.block);
        const meter = spec && voltmeterChildId(spec.voltmeter);
        if (meter && context.children[meter]?.status === 'running') enqueue.sendTo(meter, { type: 'RESYNC', delayMs: event.settleMs });
      }),
    },
    FORGET_RESTART: {
      actions: assign({
        children: ({ context, event }) => patch(context, event.id, (s) => ({ recentRestarts: Math.max(0, s.recentRestarts - 1) })),
      }),
    },
  },
  states: {
    running: {
      on: {
        COMMAND: {
          actions: enqueueActions(({ context, event, enqueue }) => {
            const why = refusal(context, event.command);
            if (why) enqueue({ type: 'reply', params: algorithmError(event.origin, why) });
            else enqueue.sendTo(blockChildId(event.command.block), event);
          }),
        },
        // A child that throws and a child that ends in its error state are handled alike.
        'xstate.error.actor.*': {
          actions: raise(({ event }) => ({
            type: 'CHILD_FAILED' as const,
            id: event.type.slice(ERROR_PREFIX.length),
            fault: `crashed: ${errorText((event as { error?: unknown }).error)}`,
          })),
        },
        'xstate.done.actor.*': {
          actions: raise(({ event }) => ({
            type: 'CHILD_FAILED' as const,
            id: event.type.slice(DONE_PREFIX.length),
            fault: (event as { output?: Fault }).output?.fault ?? 'stopped unexpectedly',
          })),
        },
        CHILD_FAILED: {
          actions: enqueueActions(({ context, event, enqueue }) => {
            const { id, fault } = event;
            const status = context.children[id];
            if (!status || status.status !== 'running') return;
            // A block cannot check or correct without its readings: tell it at once, so a command in
            // flight is answered now rather than when its timeout runs out (restarting or not).
            const spec = context.specs.find((s) => s.id === id);
            if (spec?.kind === 'voltmeter') {
              for (const b of context.specs) {
                if (b.kind === 'block' && b.voltmeter === spec.input.voltmeter && context.children[b.id]?.status === 'running') {
                  enqueue.sendTo(b.id, { type: 'VOLTMETER_LOST', voltmeter: spec.input.voltmeter, fault });
                }
              }
            }
            const { maxRestartsPerMinute, backoffInitialMs, backoffMaxMs } = context.policy;
            if (status.recentRestarts >= maxRestartsPerMinute) {
              enqueue.assign({ children: patch(context, id, () => ({ status: 'failed', fault, nextRestartInMs: null })) });
              const message = `${id} failed (${fault}); ${status.recentRestarts} restarts within a minute, leaving it in error`;
              enqueue({ type: 'note', params: { level: 'error', child: id, message } });
              return;
            }
            const delay = Math.min(backoffInitialMs * 2 ** status.recentRestarts, backoffMaxMs);
            enqueue.assign({
              children: patch(context, id, (s) => ({
                status: 'restarting',
                fault,
                recentRestarts: s.recentRestarts + 1,
                totalRestarts: s.totalRestarts + 1,
                nextRestartInMs: delay,
              })),
            });
            enqueue({ type: 'note', params: { level: 'warn', child: id, message: `${id} failed (${fault}); restarting in ${delay / 1000} s` } });
            enqueue.raise({ type: 'RESTART_CHILD', id }, { delay });
            enqueue.raise({ type: 'FORGET_RESTART', id }, { delay: RESTART_WINDOW_MS });
          }),
        },
        RESTART_CHILD: {
          actions: enqueueActions(({ context, event, enqueue }) => {
            const spec = context.specs.find((s) => s.id === event.id);
            if (!spec || context.children[spec.id]?.status !== 'restarting') return;
            enqueue.stopChild(spec.id);
            enqueue.spawnChild(spec.kind, { id: spec.id, input: spec.input as never });
            enqueue.assign({ children: patch(context, spec.id, () => ({ status: 'running', nextRestartInMs: null })) });
            enqueue({ type: 'note', params: { level: 'info', child: spec.id, message: `restarted ${spec.id}` } });
          }),
        },
        RESET_CHILD: {
          actions: enqueueActions(({ context, event, enqueue }) => {
            const spec = context.specs.find((s) => s.id === event.id);
            if (!spec || context.children[spec.id]?.status !== 'failed') return;
            enqueue.stopChild(spec.id);
            enqueue.spawnChild(spec.kind, { id: spec.id, input: spec.input as never });
            enqueue.assign({ children: patch(context, spec.id, () => ({ status: 'running', recentRestarts: 0, nextRestartInMs: null })) });
            enqueue({ type: 'note', params: { level: 'warn', child: spec.id, message: `${spec.id} restarted by request after it was left in error` } });
          }),
        },
        SHUTDOWN: {
          target: 'shuttingDown',
          actions: enqueueActions(({ context, enqueue }) => {
            for (const spec of context.specs) {
              if (context.children[spec.id]?.status !== 'running') continue;
              if (spec.kind === 'block') enqueue.sendTo(spec.id, { type: 'ABORT', reason: 'shutdown' });
              if (spec.kind === 'connector') enqueue.sendTo(spec.id, { type: 'STOP' });
            }
          }),
        },
      },
    },
    // Commands in flight are answered or ended; new ones are refused; nothing is restarted.
    shuttingDown: {
      on: {
        COMMAND: {
          actions: {
            type: 'reply',
            params: ({ event }) => algorithmError(event.origin, `the server is shutting down; block ${event.command.block} takes no more commands`),
          },
        },
        // Every child error must be handled in every state: an unhandled one would stop the supervisor.
        'xstate.error.actor.*': {
          actions: assign({
            children: ({ context, event }) =>
              patch(context, event.type.slice(ERROR_PREFIX.length), () => ({
                status: 'stopped',
                fault: `crashed while stopping: ${errorText((event as { error?: unknown }).error)}`,
              })),
          }),
        },
        'xstate.done.actor.*': {
          actions: assign({
            children: ({ context, event }) => patch(context, event.type.slice(DONE_PREFIX.length), () => ({ status: 'stopped' })),
          }),
        },
      },
    },
  },
});

function patch(context: SupervisorContext, id: string, change: (s: ChildStatus) => Partial<ChildStatus>): Record<string, ChildStatus> {
  const current = context.children[id];
  if (!current) return context.children;
  return { ...context.children, [id]: { ...current, ...change(current) } };
}
