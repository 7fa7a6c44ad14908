// The detector's supervisor: the kit's, with one rule of its own: a command goes to the module
// it names, unless that module is in error.

import { createSupervisorMachine, unavailable, type ConnectorInput, type SupervisorRules } from '../src/kit/index.js';
import { moduleMachine, type DetectorCommand, type ModuleInput } from './module.machine.js';

export type DetectorChildSpec = { id: string; kind: 'module'; input: ModuleInput } | { id: string; kind: 'connector'; input: ConnectorInput };

export function moduleChildId(module: string): string {
  return `module-${module}`;
}

const detectorRules: SupervisorRules<DetectorChildSpec, DetectorCommand> = {
  route(command, context) {
    const id = moduleChildId(command.module);
    const status = context.children[id];
    if (!status) return { refuse: `module ${command.module} is not configured` };
    if (status.status !== 'running') return { refuse: unavailable(`module ${command.module}`, status, context.policy) };
    return { to: id };
  },
  refuseWhileStopping: (command) => `the server is shutting down; module ${command.module} takes no more commands`,
  onShutdown: (spec) => (spec.kind === 'module' ? { type: 'ABORT' } : null),
};

export const detectorSupervisor = createSupervisorMachine<DetectorChildSpec, DetectorCommand>({
  actors: { module: moduleMachine },
  rules: detectorRules,
});
