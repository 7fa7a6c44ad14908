// The alarms raised and cleared lately, newest last: a page opened (or reloaded) in the middle of
// a night shift can still show what happened before it, not only what is active now.

import type { Alarm } from './alarm-table.js';

export interface AlarmLogEntry {
  /** Clock ms of the change (for a raise, the alarm's `since`). */
  at: number;
  change: 'raised' | 'cleared';
  alarm: Alarm;
}

export class AlarmLog {
  private readonly entries: AlarmLogEntry[] = [];

  constructor(
    private readonly capacity: number,
    private readonly now: () => number,
  ) {}

  add(change: 'raised' | 'cleared', alarm: Alarm): AlarmLogEntry {
    const entry = { at: change === 'raised' ? alarm.since : this.now(), change, alarm: { ...alarm } };
    this.entries.push(entry);
    if (this.entries.length > this.capacity) this.entries.splice(0, this.entries.length - this.capacity);
    return entry;
  }

  /** Oldest first. */
  list(): AlarmLogEntry[] {
    return this.entries.map((e) => ({ ...e, alarm: { ...e.alarm } }));
  }
}
