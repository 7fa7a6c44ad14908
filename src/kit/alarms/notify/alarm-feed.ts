// What the notifications need of the alarm book: its changes as they happen, and the alarms it
// lists now (to see, when a message goes out, whether an alarm was shelved or acknowledged since).

import type { AlarmChange, AlarmEntry } from '../alarm-entry.js';

export interface AlarmFeed {
  onChange(listener: (change: AlarmChange) => void): void;
  /** Every listed alarm: active, latched and shelved (shelved ones have `shelved_until !== null`). */
  list(): AlarmEntry[];
}
