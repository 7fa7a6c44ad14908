// How a part of the server that writes to disk (readings log, learned transfers, log file) says that
// its writes fail and that they work again. A full disk is something for the operator to fix while
// the rack keeps being controlled, not a reason to stop. How that becomes an alarm is
// alarms/storage-alarm.ts: this file knows no alarm, so the log file (which the alarm table logs
// through) can report its own write failures without an import cycle.

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

/** "ENOSPC: no space left on device" from a Node error, without the syscall and path it may carry. */
export function writeErrorText(err: unknown): string {
  const e = err as Partial<NodeJS.ErrnoException> | null | undefined;
  const message = String(e?.message ?? err);
  const reason = /^[A-Z0-9_]+: ([^,]+)/.exec(message)?.[1];
  if (e?.code && reason) return `${e.code}: ${reason}`;
  return e?.code && !message.includes(e.code) ? `${e.code}: ${message}` : message;
}
