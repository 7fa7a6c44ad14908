// The rack's /api/status: the kit's picture of every actor, with each block's setpoint, demand
// and corrections and each voltmeter's readings beside it.

import type { AnyActorRef } from 'xstate';
import type { BlockContext } from '../../../machines/block.machine.js';
import type { VoltmeterContext } from '../../../machines/voltmeter.machine.js';
import type { Alarm } from '../../kit/alarms/alarm-table.js';
import { actorsStatus, type ChildDetails } from '../../kit/web/status.js';

const rackDetails: ChildDetails = (spec, child) => {
  if (spec.kind === 'block') {
    const c = child.context as unknown as BlockContext;
    return { block: c.block, name: c.settings.name, setpoint: c.setpoint, demand: c.demand, corrections: c.corrections, last_reading: c.lastReading };
  }
  if (spec.kind === 'voltmeter') {
    const c = child.context as unknown as VoltmeterContext;
    return { readings: c.readings, last_reading: c.lastReading };
  }
  return null;
};

export function serverStatus(supervisor: AnyActorRef, alarms: Alarm[], extra: Record<string, unknown>): Record<string, unknown> {
  return { ...extra, ...actorsStatus(supervisor, alarms, rackDetails) };
}
