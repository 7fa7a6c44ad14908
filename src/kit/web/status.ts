// A JSON picture of a manager's actors for operators, scripts and the state-chart page: each
// child's supervision, alarms, state and whole context; the manager adds what its kinds mean.

import type { AnyActorRef } from 'xstate';
import type { Alarm } from '../alarms/alarm-table.js';
import type { ChildSpec, SupervisorContext } from '../machines/supervisor.machine.js';
import { topState } from '../machines/top-state.js';

export interface ChildSnapshot {
  value: unknown;
  status: string;
  context: Record<string, unknown>;
}

/** The fields a manager adds to one running child's entry (a block's setpoint, say), or nothing. */
export type ChildDetails = (spec: ChildSpec, child: ChildSnapshot) => Record<string, unknown> | null;

export function actorsStatus(supervisor: AnyActorRef, alarms: Alarm[], details?: ChildDetails): Record<string, unknown> {
  const snapshot = supervisor.getSnapshot() as { value: unknown; context: SupervisorContext; children: Record<string, AnyActorRef | undefined> };
  const { specs, children } = snapshot.context;
  const actors = specs.map((spec) => {
    const child = snapshot.children[spec.id]?.getSnapshot() as ChildSnapshot | undefined;
    const base = {
      id: spec.id,
      kind: spec.kind,
      supervision: children[spec.id],
      alarms: alarms.filter((a) => a.source === spec.id),
      state: child ? topState(child.value) : null,
      state_detail: child?.value ?? null,
      // The whole context, for the state-chart page (plain data: the machines keep no references in it).
      context: child ? JSON.parse(JSON.stringify(child.context)) : null,
    };
    const more = child && details ? details(spec, child) : null;
    return more ? { ...base, ...more } : base;
  });
  return { supervisor: snapshot.value, alarms, actors };
}
