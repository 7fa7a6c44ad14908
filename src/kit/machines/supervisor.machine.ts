// The supervisor every manager runs under: spawns its children (device actors and the kit's
// connectors) from their specs, passes each client command to the child the manager's rules name
// (or answers the refusal), relays the manager's own events between children, and restarts a
// failed child one-for-one with exponential back-off, at most N restarts a minute; past that the
// child stays in error until reset. It knows nothing of what the children drive: the manager's
// rules say that (machines/supervisor.machine.ts for the HV rack).
//
// Each child is registered in the actor system under its id while it runs (`system.get(id)`), and
// only then: a child the manager connects to a sibling at spawn (a voltmeter to its blocks) sends
// to it directly, without a step of the supervisor per message, and reaches it only while it runs.

import { assign, enqueueActions, raise, setup, type AnyActorLogic, type EventObject, type StateMachine } from 'xstate';
import { errorText, type Fault, type Origin, type Reply } from '../actor-types.js';
import { errorReply } from '../protocol/error-reply.js';
import { connectorMachine } from './connector.machine.js';

/** One child: its id, the name of its actor logic (`kind`) and the input it starts with. */
export interface ChildSpec {
  id: string;
  kind: string;
  input: unknown;
}

export interface RestartPolicy {
  maxRestartsPerMinute: number;
  backoffInitialMs: number;
  backoffMaxMs: number;
}

export interface SupervisorInput<S extends ChildSpec = ChildSpec> {
  children: S[];
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

export interface SupervisorContext<S extends ChildSpec = ChildSpec> {
  specs: S[];
  policy: RestartPolicy;
  children: Record<string, ChildStatus>;
}

/** An event for one child. */
export interface Delivery {
  to: string;
  event: EventObject;
}

/** What relaying one event does: events for children, and named actions the manager provides. */
export interface RelayOutcome {
  send?: Delivery[];
  actions?: { type: string; params: unknown }[];
}

/** Where the manager's knowledge goes: which child takes a command, who hears of a failure, what is relayed. */
export interface SupervisorRules<S extends ChildSpec = ChildSpec, C = unknown> {
  /** The child a command goes to, or the sentence refusing it (answered with error 6, ALGORITM_ERROR). */
  route(command: C, context: SupervisorContext<S>): { to: string } | { refuse: string };
  /** The sentence refusing a command once the server is shutting down. */
  refuseWhileStopping(command: C): string;
  /** Events for other children when one fails (told before it is restarted or given up on). */
  onFailure?(spec: S, fault: string, context: SupervisorContext<S>): Delivery[];
  /** The event a running child gets at shutdown to end its work (connectors get STOP from the kit). */
  onShutdown?(spec: S): EventObject | null;
  /** The manager's own events, by type: what the supervisor does with each while running. */
  relays?: Record<string, (event: EventObject, context: SupervisorContext<S>) => RelayOutcome>;
}

export type KitSupervisorEvent =
  | { type: 'COMMAND'; command: unknown; origin: Origin }
  | { type: 'RESTART_CHILD'; id: string }
  | { type: 'FORGET_RESTART'; id: string }
  | { type: 'RESET_CHILD'; id: string }
  | { type: 'SHUTDOWN' }
  | { type: 'CHILD_FAILED'; id: string; fault: string }
  | { type: `xstate.error.actor.${string}`; error: unknown }
  | { type: `xstate.done.actor.${string}`; output: Fault | undefined };

export const RESTART_WINDOW_MS = 60_000;

/** The kind under which the kit's connector machine is spawned. */
export const CONNECTOR_KIND = 'connector';

const ERROR_PREFIX = 'xstate.error.actor.';
const DONE_PREFIX = 'xstate.done.actor.';

/** Why a child cannot take work now, for a refusal: "block 1 is in error: …; restarting in 2.0 s". */
export function unavailable(what: string, status: ChildStatus, policy: RestartPolicy): string {
  if (status.status === 'failed') {
    return `${what} is out of service after ${policy.maxRestartsPerMinute} restarts within a minute; last fault: ${status.fault}`;
  }
  const when = status.nextRestartInMs === null ? '' : `; restarting in ${(status.nextRestartInMs / 1000).toFixed(1)} s`;
  return `${what} is in error: ${status.fault}${when}`;
}

function algorithmError(origin: Origin, description: string): Reply {
  return { origin, message: errorReply('ALGORITM_ERROR', description) };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- XState's own action signature
type NamedAction = (args: any, params: any) => void;

export interface SupervisorOptions<S extends ChildSpec, C, A extends Record<string, NamedAction>> {
  /** The manager's actor logic by kind; the kit adds its connector. */
  actors: Record<string, AnyActorLogic>;
  /** The actions the rules' relays enqueue, by name, as placeholders the manager provides (`.provide`). */
  actions?: A;
  rules: SupervisorRules<S, C>;
}

/**
 * The supervisor machine for one manager's children and rules. `E`: the manager's own events
 * (those its relays take); `A`: the actions its relays name.
 */
export function createSupervisorMachine<S extends ChildSpec, C, E extends EventObject = never, A extends Record<string, NamedAction> = Record<never, NamedAction>>(
  options: SupervisorOptions<S, C, A>,
) {
  const { rules } = options;
  type Context = SupervisorContext<S>;
  const relays = Object.fromEntries(
    Object.entries(rules.relays ?? {}).map(([type, relay]) => [
      type,
      {
        actions: enqueueActions(({ context, event, enqueue }: { context: Context; event: EventObject; enqueue: any }) => {
          const outcome = relay(event, context);
          for (const action of outcome.actions ?? []) enqueue(action);
          for (const { to, event: e } of outcome.send ?? []) enqueue.sendTo(to, e);
        }),
      },
    ]),
  );
  const machine = setup({
    types: {
      context: {} as Context,
      events: {} as KitSupervisorEvent,
      input: {} as SupervisorInput<S>,
    },
    actors: { [CONNECTOR_KIND]: connectorMachine, ...options.actors } as Record<string, AnyActorLogic>,
    actions: {
      ...(options.actions as A),
      /** Delivers an answer or error reply to one client. */
      reply: (_, _params: Reply) => {},
      /** Records what the supervisor did, for the log. */
      note: (_, _params: { level: 'info' | 'warn' | 'error'; message: string; child?: string }) => {},
    },
  }).createMachine({
    id: 'supervisor',
    context: ({ input }) => ({
      specs: input.children,
      policy: input.policy,
      children: Object.fromEntries(
        input.children.map((c) => [c.id, { status: 'running', fault: null, recentRestarts: 0, totalRestarts: 0, nextRestartInMs: null } satisfies ChildStatus]),
      ),
    }),
    entry: enqueueActions(({ context, enqueue }) => {
      // `as never`: each kind takes its own input, which TypeScript cannot follow through a string.
      for (const spec of context.specs) enqueue.spawnChild(spec.kind as never, { id: spec.id, systemId: spec.id, input: spec.input as never });
    }),
    initial: 'running',
    on: {
      ...(relays as object),
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
              const route = rules.route(event.command as C, context);
              if ('refuse' in route) enqueue({ type: 'reply', params: algorithmError(event.origin, route.refuse) });
              else enqueue.sendTo(route.to, event);
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
              // Those who depend on the child hear at once, so work in flight is answered now
              // rather than when its own timeout runs out (restarting or not).
              const spec = context.specs.find((s) => s.id === id);
              if (spec && rules.onFailure) for (const { to, event: e } of rules.onFailure(spec, fault, context)) enqueue.sendTo(to, e);
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
              enqueue.spawnChild(spec.kind as never, { id: spec.id, systemId: spec.id, input: spec.input as never });
              enqueue.assign({ children: patch(context, spec.id, () => ({ status: 'running', nextRestartInMs: null })) });
              enqueue({ type: 'note', params: { level: 'info', child: spec.id, message: `restarted ${spec.id}` } });
            }),
          },
          RESET_CHILD: {
            actions: enqueueActions(({ context, event, enqueue }) => {
              const spec = context.specs.find((s) => s.id === event.id);
              if (!spec || context.children[spec.id]?.status !== 'failed') return;
              enqueue.stopChild(spec.id);
              enqueue.spawnChild(spec.kind as never, { id: spec.id, systemId: spec.id, input: spec.input as never });
              enqueue.assign({ children: patch(context, spec.id, () => ({ status: 'running', recentRestarts: 0, nextRestartInMs: null })) });
              enqueue({ type: 'note', params: { level: 'warn', child: spec.id, message: `${spec.id} restarted by request after it was left in error` } });
            }),
          },
          SHUTDOWN: {
            target: 'shuttingDown',
            actions: enqueueActions(({ context, enqueue }) => {
              for (const spec of context.specs) {
                if (context.children[spec.id]?.status !== 'running') continue;
                const stop = spec.kind === CONNECTOR_KIND ? { type: 'STOP' } : (rules.onShutdown?.(spec) ?? null);
                if (stop) enqueue.sendTo(spec.id, stop);
              }
            }),
          },
        },
      },
      // Commands in flight are answered or ended; new ones are refused; nothing is restarted.
      shuttingDown: {
        on: {
          COMMAND: {
            actions: { type: 'reply', params: ({ event }: { event: { command: unknown; origin: Origin } }) => algorithmError(event.origin, rules.refuseWhileStopping(event.command as C)) },
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
  // The relays' events are the manager's: the machine takes them as well as the kit's own.
  return machine as WithEvents<typeof machine, E>;
}

/** A machine that also takes events `E`. */
type WithEvents<M, E extends EventObject> =
  M extends StateMachine<infer TC, infer TE, infer TCh, infer TA, infer TAc, infer TG, infer TD, infer TSV, infer TT, infer TI, infer TO, infer TEm, infer TMeta, infer TSchema>
    ? StateMachine<TC, TE | E, TCh, TA, TAc, TG, TD, TSV, TT, TI, TO, TEm, TMeta, TSchema>
    : never;

function patch(context: SupervisorContext<ChildSpec>, id: string, change: (s: ChildStatus) => Partial<ChildStatus>): Record<string, ChildStatus> {
  const current = context.children[id];
  if (!current) return context.children;
  return { ...context.children, [id]: { ...current, ...change(current) } };
}
