// The HV rack's alarm sources for the kit's table: a block shows the alarms its reading checks
// raised (machines/reading-judge.ts), each under the EPICS status that names its kind.

import type { BlockAlarm } from '../../../machines/reading-judge.js';
import type { AlarmSources, EpicsStatus } from '../../kit/alarms/alarm-table.js';
import type { ChildSpec } from '../../kit/machines/supervisor.machine.js';
import { rackGuidance } from './rack-guidance.js';

function blockStatus(alarm: BlockAlarm): EpicsStatus {
  switch (alarm.code) {
    case 'OUTPUT_STANDBY':
      return 'STATE';
    case 'NO_OUTPUT':
      return 'LOLO';
    case 'READBACK_MISMATCH':
      return (alarm.value ?? 0) < 0 ? 'LOLO' : 'HIHI';
    case 'READING_OUTLIER':
      return 'HIGH';
    case 'DRIFT':
    case 'HOLD_LIMIT':
      return (alarm.value ?? 0) < 0 ? 'LOW' : 'HIGH';
    case 'READING_STALE':
      return 'READ';
    case 'NO_READINGS':
      return 'TIMEOUT';
  }
}

/** Alarm sources for the rack: `instrumentOf` names each actor's instrument, blocks show their own, and the rack's guidance says what to check. */
export function rackAlarmSources(instrumentOf: (spec: ChildSpec) => string | null): AlarmSources {
  return {
    instrumentOf,
    guidance: rackGuidance,
    childAlarms: (spec, snapshot) => {
      if (spec.kind !== 'block') return [];
      const alarms = (snapshot as { context?: { alarms?: BlockAlarm[] } }).context?.alarms ?? [];
      return alarms.map((a) => ({ code: a.code, severity: a.severity, status: blockStatus(a), message: a.message, value: a.value }));
    },
  };
}
