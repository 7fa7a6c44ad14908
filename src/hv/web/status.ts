// A JSON picture of the server for operators and scripts: every actor's state, setpoints, last readings.

import type { AnyActorRef } from 'xstate';
import { topState, type BlockContext } from '../../../machines/block.machine.js';
import type { SupervisorContext } from '../../../machines/supervisor.machine.js';
import type { VoltmeterContext } from '../../../machines/voltmeter.machine.js';
import type { Alarm } from '../../kit/alarms/alarm-table.js';

interface Snapshot<C> {
  value: unknown;
  status: string;
  context: C;
}

export function serverStatus(supervisor: AnyActorRef, alarms: Alarm[], extra: Record<string, unknown>): Record<string, unknown> {
  const snapshot = supervisor.getSnapshot() as Snapshot<SupervisorContext> & { children: Record<string, AnyActorRef | undefined> };
  const { specs, children } = snapshot.context;
  const actors = specs.map((spec) => {
    const child = snapshot.children[spec.id]?.getSnapshot() as Snapshot<Record<string, unknown>> | undefined;
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
    if (spec.kind === 'block' && child) {
      const c = child.context as unknown as BlockContext;
      return { ...base, block: c.block, name: c.name, setpoint: c.setpoint, demand: c.demand, corrections: c.corrections, last_reading: c.lastReading };
    }
    if (spec.kind === 'voltmeter' && child) {
      const c = child.context as unknown as VoltmeterContext;
      return { ...base, readings: c.readings, last_reading: c.lastReading };
    }
    return base;
  });
  return { ...extra, supervisor: snapshot.value, alarms, actors };
}
