// The HV rack's supervisor: the kit's supervisor (src/kit/machines/supervisor.machine.ts) with the
// rack's rules. A command goes to its block, unless the block (or, for a check, its voltmeter) is
// in error; a block whose output changed has its voltmeter start the next reading when the output
// settles; a voltmeter that fails is reported at once to its blocks; a block still busy at shutdown
// is told to abort. Readings do not pass through it: each voltmeter publishes its own and sends
// them to its blocks, the route its spec gives it (`input.blocks`), at the supervisor's spawn.

import type { EventObject } from 'xstate';
import {
  createSupervisorMachine,
  unavailable,
  type SupervisorContext as KitSupervisorContext,
  type SupervisorRules,
} from '../src/kit/machines/supervisor.machine.js';
import type { Command } from '../schemas/types.js';
import { blockMachine, type BlockInput } from './block.machine.js';
import type { ConnectorInput } from '../src/kit/machines/connector.machine.js';
import { voltmeterMachine, type VoltmeterInput } from './voltmeter.machine.js';
import type { CommandEvent, Reading, ReadingEvent } from './types.js';

export { RESTART_WINDOW_MS, type ChildStatus, type RestartPolicy } from '../src/kit/machines/supervisor.machine.js';

export type ChildSpec =
  | { id: string; kind: 'block'; input: BlockInput; voltmeter: string }
  | { id: string; kind: 'voltmeter'; input: VoltmeterInput }
  | { id: string; kind: 'connector'; input: ConnectorInput };

export type SupervisorContext = KitSupervisorContext<ChildSpec>;
export type SupervisorInput = { children: ChildSpec[]; policy: KitSupervisorContext['policy'] };

export type SupervisorEvent =
  | CommandEvent
  | { type: 'RESTART_CHILD'; id: string }
  | { type: 'FORGET_RESTART'; id: string }
  | { type: 'RESET_CHILD'; id: string }
  | { type: 'SHUTDOWN' }
  | { type: 'OUTPUT_CHANGED'; block: number; settleMs: number }
  | { type: 'CHILD_FAILED'; id: string; fault: string };

export function blockChildId(block: number): string {
  return `block-${block}`;
}

export function voltmeterChildId(voltmeter: string): string {
  return `voltmeter-${voltmeter}`;
}

type BlockSpec = Extract<ChildSpec, { kind: 'block' }>;

function blockSpec(specs: ChildSpec[], block: number): BlockSpec | undefined {
  return specs.find((s): s is BlockSpec => s.kind === 'block' && s.input.block === block);
}

/** The blocks a voltmeter measures. */
function blocksOf(specs: ChildSpec[], voltmeter: string): BlockSpec[] {
  return specs.filter((s): s is BlockSpec => s.kind === 'block' && s.voltmeter === voltmeter);
}

export const rackRules: SupervisorRules<ChildSpec, Command> = {
  route(command, context) {
    const spec = blockSpec(context.specs, command.block);
    if (!spec) return { refuse: `block ${command.block} is not configured` };
    const status = context.children[spec.id]!;
    if (status.status !== 'running') return { refuse: unavailable(`block ${command.block}`, status, context.policy) };
    if (command.command_type === 'set_voltage_and_check') {
      const meter = context.children[voltmeterChildId(spec.voltmeter)];
      if (meter && meter.status !== 'running') {
        return { refuse: `block ${command.block} cannot check its voltage: ${unavailable(`voltmeter ${spec.voltmeter}`, meter, context.policy)}` };
      }
    }
    return { to: spec.id };
  },
  refuseWhileStopping: (command) => `the server is shutting down; block ${command.block} takes no more commands`,
  // A block cannot check or correct without its readings: it hears at once that its voltmeter failed.
  onFailure(spec, fault, context) {
    if (spec.kind !== 'voltmeter') return [];
    return blocksOf(context.specs, spec.input.voltmeter)
      .filter((b) => context.children[b.id]?.status === 'running')
      .map((b) => ({ to: b.id, event: { type: 'VOLTMETER_LOST', voltmeter: spec.input.voltmeter, fault } }));
  },
  onShutdown: (spec) => (spec.kind === 'block' ? { type: 'ABORT', reason: 'shutdown' } : null),
  relays: {
    // A block's output changed for a command: its voltmeter starts the next reading when that settles.
    OUTPUT_CHANGED: (e: EventObject, context) => {
      const event = e as Extract<SupervisorEvent, { type: 'OUTPUT_CHANGED' }>;
      const spec = blockSpec(context.specs, event.block);
      const meter = spec && voltmeterChildId(spec.voltmeter);
      if (!meter || context.children[meter]?.status !== 'running') return {};
      return { send: [{ to: meter, event: { type: 'RESYNC', delayMs: event.settleMs } }] };
    },
  },
};

type RackEvent = Extract<SupervisorEvent, { type: 'OUTPUT_CHANGED' }>;

export const supervisorMachine = createSupervisorMachine<ChildSpec, Command, RackEvent>({
  actors: { block: blockMachine, voltmeter: voltmeterMachine },
  rules: rackRules,
});
