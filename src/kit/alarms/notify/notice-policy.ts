// When a person is told (Alertmanager's grouping and repeat interval, Phoebus's latching): an
// alarm raised or escalated goes into a grouping window of `group_seconds`, so what one fault
// raises arrives as one message; a MAJOR or INVALID nobody acknowledged comes again every
// `repeat_minutes` (active, or cleared and latched) until someone acknowledges it; a clear comes
// only when `on_clear` says so. A shelved alarm is told nothing, and neither is one acknowledged or
// gone by the time its window closes.
//
// The listener only collects: the window closes on the clock, and what it makes is handed on.

import { alarmKey, type AlarmChange, type AlarmEntry } from '../alarm-entry.js';
import type { Clock, TimerHandle } from '../../clock/clock.js';
import type { AlarmFeed } from './alarm-feed.js';
import type { Notification, NoticeEvent, NoticeItem } from './notification.js';

export interface NoticePolicyOptions {
  feed: AlarmFeed;
  clock: Pick<Clock, 'now' | 'setTimeout' | 'clearTimeout'>;
  /** Clock ms a window stays open after its first event. */
  groupMs: number;
  /** Clock ms between repeats; 0: none. */
  repeatMs: number;
  onClear: boolean;
  server: string;
  newId(): string;
  /** Takes each message as its window closes. */
  emit(notification: Notification): void;
}

/** The alarms that are repeated while nobody acknowledges them. */
export function repeats(alarm: AlarmEntry): boolean {
  const severity = alarm.highest_severity ?? alarm.severity;
  return !alarm.acknowledged && (severity === 'MAJOR' || severity === 'INVALID');
}

export class NoticePolicy {
  private window: NoticeItem[] = [];
  private windowTimer: TimerHandle | null = null;
  private readonly repeatTimers = new Map<string, TimerHandle>();
  private started = false;
  private stopped = false;

  constructor(private readonly o: NoticePolicyOptions) {}

  /** Listens to the book, and schedules repeats for what it lists already (alarms kept across a restart). */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.o.feed.onChange((change) => this.take(change));
    for (const alarm of this.o.feed.list()) if (repeats(alarm)) this.armRepeat(alarmKey(alarm));
  }

  /** Closes the open window at once (its message is emitted) and stops every timer; later changes are ignored. */
  stop(): void {
    if (this.stopped) return;
    this.closeWindow();
    this.stopped = true;
    for (const timer of this.repeatTimers.values()) this.o.clock.clearTimeout(timer);
    this.repeatTimers.clear();
  }

  /** Alarms waiting for their repeat, for status. */
  get repeating(): number {
    return this.repeatTimers.size;
  }

  private take(change: AlarmChange): void {
    if (this.stopped) return;
    const { alarm } = change;
    const key = alarmKey(alarm);
    switch (change.kind) {
      case 'raised':
      case 'escalated':
        if (repeats(alarm)) this.armRepeat(key);
        else this.disarmRepeat(key);
        if (alarm.shelved_until === null) this.add(change.kind, alarm, change.at);
        break;
      case 'cleared':
        // A latched MAJOR keeps its repeat: nobody has acknowledged it yet.
        if (this.o.onClear && alarm.shelved_until === null) this.add('cleared', alarm, change.at);
        break;
      case 'acknowledged':
      case 'removed':
        this.disarmRepeat(key);
        break;
      default:
        // updated, shelved, unshelved: nothing to tell; a shelved alarm's repeat is skipped when due.
        break;
    }
  }

  private add(event: NoticeEvent, alarm: AlarmEntry, at: number): void {
    const key = alarmKey(alarm);
    const same = this.window.findIndex((i) => i.event === event && alarmKey(i.alarm) === key);
    if (same >= 0) this.window[same] = { event, alarm, at };
    else this.window.push({ event, alarm, at });
    if (this.windowTimer === null) this.windowTimer = this.o.clock.setTimeout(() => this.closeWindow(), this.o.groupMs);
  }

  private closeWindow(): void {
    if (this.windowTimer !== null) this.o.clock.clearTimeout(this.windowTimer);
    this.windowTimer = null;
    if (this.window.length === 0) return;
    const listed = new Map(this.o.feed.list().map((a) => [alarmKey(a), a]));
    const items = this.window.filter((item) => {
      const now = listed.get(alarmKey(item.alarm));
      if (now && now.shelved_until !== null) return false;
      // Someone acknowledged it (or it cleared and was acknowledged) while the window was open.
      if (item.event !== 'cleared' && (!now || now.acknowledged)) return false;
      return true;
    });
    this.window = [];
    if (items.length === 0) return;
    this.o.emit({ id: this.o.newId(), server: this.o.server, created_at: this.o.clock.now(), items });
  }

  private armRepeat(key: string): void {
    if (this.o.repeatMs <= 0 || this.stopped) return;
    this.disarmRepeat(key);
    this.repeatTimers.set(
      key,
      this.o.clock.setTimeout(() => this.repeatDue(key), this.o.repeatMs),
    );
  }

  private disarmRepeat(key: string): void {
    const timer = this.repeatTimers.get(key);
    if (timer !== undefined) this.o.clock.clearTimeout(timer);
    this.repeatTimers.delete(key);
  }

  private repeatDue(key: string): void {
    this.repeatTimers.delete(key);
    const alarm = this.o.feed.list().find((a) => alarmKey(a) === key);
    if (!alarm || !repeats(alarm)) return;
    this.armRepeat(key);
    // Shelved: skipped now, told again at the first repeat after the shelving ends.
    if (alarm.shelved_until === null) this.add('repeat', alarm, this.o.clock.now());
  }
}
