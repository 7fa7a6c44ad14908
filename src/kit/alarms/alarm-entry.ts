// An alarm as a person handles it (Phoebus alarm server, EPICS alarm handler): besides the
// condition the table holds while it is active, whether someone has acknowledged it, the highest
// severity seen since then, when it cleared (a cleared alarm nobody acknowledged stays listed,
// latched), whether it is shelved and until when, and what to check first. These are the fields
// of `GET /api/alarms`, of the websocket's `alarms` events and of the store in the data directory.

import type { Alarm, AlarmSeverity } from './alarm-table.js';

/** Who acknowledged or shelved an alarm, when, and what they said. */
export interface AlarmAction {
  /** The web user's label and address ("Anna at 10.0.0.7"), or the address alone. */
  by: string;
  /** Clock ms. */
  at: number;
  /** The acknowledgement's note or the shelving's reason; null when none was given. */
  note: string | null;
}

export interface AlarmEntry extends Alarm {
  /** The condition holds now. */
  active: boolean;
  /** Someone acknowledged it since it was last raised (or last rose in severity). */
  acknowledged: boolean;
  /** The highest severity seen since it was last acknowledged. */
  highest_severity: AlarmSeverity;
  /** Clock ms when the condition last cleared; null while it is active. */
  cleared_at: number | null;
  /** Clock ms when its shelving ends by itself; null when it is not shelved. */
  shelved_until: number | null;
  /** Who shelved it and why; null when it is not shelved. */
  shelved: AlarmAction | null;
  /** The last acknowledgement; null when nobody has acknowledged it since it was raised. */
  acknowledgement: AlarmAction | null;
  /** What to check first: one sentence for the operator. */
  guidance: string;
  /** Times the condition was raised since the alarm was first listed (1 for a first raise). */
  raised_count: number;
}

/**
 * What changed about one alarm:
 * - `raised`: a new alarm, or one that had cleared or been acknowledged and is raised again (unacknowledged);
 * - `escalated`: an active alarm's severity rose above what was acknowledged (unacknowledged again);
 * - `updated`: the same condition with newer words, or a lower severity (nothing to tell a person);
 * - `cleared`: the condition no longer holds (latched when unacknowledged);
 * - `acknowledged`, `shelved`, `unshelved`: a person's action, or a shelving's end;
 * - `removed`: no longer listed (cleared and acknowledged).
 */
export type AlarmChangeKind = 'raised' | 'escalated' | 'updated' | 'cleared' | 'acknowledged' | 'shelved' | 'unshelved' | 'removed';

export interface AlarmChange {
  kind: AlarmChangeKind;
  /** The alarm after the change (a copy). */
  alarm: AlarmEntry;
  /** Clock ms of the change. */
  at: number;
}

/** The key an alarm is known by: its source and code. */
export function alarmKey(a: { source: string; code: string }): string {
  return `${a.source}/${a.code}`;
}
