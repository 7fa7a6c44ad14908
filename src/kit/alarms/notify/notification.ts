// One message to a person: the alarms raised (or repeated, or cleared) within one grouping window,
// under an id that stays the same through every retry and restart, so a receiver can drop a
// duplicate (the JSON body's `id`, the `Idempotency-Key` header, the e-mail's Message-ID).

import type { AlarmEntry } from '../alarm-entry.js';

/**
 * Why an alarm is in a message: `raised` (new, or raised again unacknowledged), `escalated` (its
 * severity rose above what was acknowledged), `repeat` (a MAJOR or INVALID nobody acknowledged,
 * again after `alarms.repeat_minutes`), `cleared` (its condition no longer holds).
 */
export type NoticeEvent = 'raised' | 'escalated' | 'repeat' | 'cleared';

export interface NoticeItem {
  event: NoticeEvent;
  /** The alarm as it was at the event. */
  alarm: AlarmEntry;
  /** Clock ms of the event. */
  at: number;
}

export interface Notification {
  /** Stable across retries and restarts. */
  id: string;
  /** The server (rack) the alarms belong to. */
  server: string;
  /** Clock ms when the grouping window closed and the message was made. */
  created_at: number;
  items: NoticeItem[];
}

/** Whether `value` has the shape of a Notification (an outbox read back from disk). */
export function isNotification(value: unknown): value is Notification {
  const n = value as Partial<Notification> | null;
  return (
    typeof n === 'object' &&
    n !== null &&
    typeof n.id === 'string' &&
    n.id.length > 0 &&
    typeof n.server === 'string' &&
    typeof n.created_at === 'number' &&
    Array.isArray(n.items) &&
    n.items.length > 0 &&
    n.items.every(
      (i: Partial<NoticeItem> | null) =>
        typeof i === 'object' &&
        i !== null &&
        typeof i.at === 'number' &&
        ['raised', 'escalated', 'repeat', 'cleared'].includes(i.event as string) &&
        typeof i.alarm === 'object' &&
        i.alarm !== null &&
        typeof i.alarm.source === 'string' &&
        typeof i.alarm.code === 'string' &&
        typeof i.alarm.severity === 'string',
    )
  );
}
