// How a part of the server that writes to disk (readings log, learned transfers, log file) says that
// its writes fail and that they work again — and how that becomes an alarm: code STORAGE_FAULT,
// severity MAJOR, EPICS status WRITE, one per part. A full disk is something for the operator to
// fix while the rack keeps being controlled, not a reason to stop.

import type { AlarmTable } from '../alarms/alarm-table.js';

export const STORAGE_FAULT = 'STORAGE_FAULT';

export interface StorageHealth {
  /**
   * Writes fail. `message` is one sentence: what was not written where, why, and what happens
   * meanwhile; `value` is the count worth watching (what was lost). Called again to update them.
   */
  failing(message: string, value: number | null): void;
  /** Writes work again; `summary` says what was caught up and what was lost. */
  recovered(summary: string): void;
}

/** For parts used without a server around them (tests, tools). */
export const unwatchedHealth: StorageHealth = { failing: () => {}, recovered: () => {} };

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

/** "ENOSPC: no space left on device" from a Node error, without the syscall and path it may carry. */
export function writeErrorText(err: unknown): string {
  const e = err as Partial<NodeJS.ErrnoException> | null | undefined;
  const message = String(e?.message ?? err);
  const reason = /^[A-Z0-9_]+: ([^,]+)/.exec(message)?.[1];
  if (e?.code && reason) return `${e.code}: ${reason}`;
  return e?.code && !message.includes(e.code) ? `${e.code}: ${message}` : message;
}
