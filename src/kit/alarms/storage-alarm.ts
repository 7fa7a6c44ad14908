// A part's storage health as an alarm: code STORAGE_FAULT, severity MAJOR, EPICS status WRITE, one
// per part (readings-log, transfer-store, log-file, alarm-store, notify-outbox).

import type { StorageHealth } from '../storage/storage-health.js';
import type { AlarmTable } from './alarm-table.js';

export const STORAGE_FAULT = 'STORAGE_FAULT';

/** The alarm of one part, named by `source` (readings-log, transfer-store, log-file). */
export function storageAlarm(alarms: Pick<AlarmTable, 'raise' | 'clear'>, source: string, log: { info(fields: object, message: string): void }): StorageHealth {
  return {
    failing: (message, value) => alarms.raise({ source, instrument: null, code: STORAGE_FAULT, severity: 'MAJOR', status: 'WRITE', message, value }),
    recovered: (summary) => {
      log.info({ source }, summary);
      alarms.clear(source, STORAGE_FAULT);
    },
  };
}
