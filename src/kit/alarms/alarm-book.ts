// The alarms as the people on shift handle them, after the Phoebus alarm server and the EPICS
// alarm handler. The alarm table (alarm-table.ts) knows which conditions hold now; the book keeps
// each alarm (source + code) until a person has seen it:
// - a raise lists it, unacknowledged; a clear leaves it listed, latched, until someone
//   acknowledges it: a supply trip at 03:00 that recovers by itself is still there at 03:20;
// - acknowledging records who, when and an optional note; an acknowledged alarm that is raised
//   again, or rises above the severity acknowledged, is unacknowledged again;
// - shelving hides one alarm's banner and notifications for a set time, with a reason, and ends
//   by itself;
// - an alarm leaves the list once it is cleared, acknowledged and not shelved.
// Every change is told to the listeners (the pages, the notifications, the store) as it happens.
// After a restart the book starts from its store: alarms that were active are carried over as
// they were, and those that no source raises again within the grace period clear then (latched if
// nobody had acknowledged them), so a restart neither forgets an alarm nor notifies it twice.

import type { Clock, TimerHandle } from '../clock/clock.js';
import type { Alarm, AlarmSeverity, AlarmTableChange } from './alarm-table.js';
import { alarmKey, type AlarmAction, type AlarmChange, type AlarmChangeKind, type AlarmEntry } from './alarm-entry.js';

/** EPICS order: INVALID above MAJOR above MINOR. */
const RANK: Record<AlarmSeverity, number> = { MINOR: 1, MAJOR: 2, INVALID: 3 };

export function moreSevere(a: AlarmSeverity, b: AlarmSeverity): boolean {
  return RANK[a] > RANK[b];
}

export interface AlarmBookOptions {
  clock: Clock;
  /** What to check first for an alarm of this code and source. */
  guidance(code: string, source: string): string;
  /** Alarms listed before a restart (from the store), as they were. */
  restored?: readonly AlarmEntry[];
  /** Clock ms after the start within which a restored active alarm must be raised again, or it clears. */
  restoreGraceMs?: number;
  /**
   * Codes that do not latch: listed while active, gone once cleared (Phoebus's "latching" off). For
   * conditions that say nothing about the hardware, such as a training clock the machine cannot keep up with.
   */
  nonLatching?: ReadonlySet<string>;
}

/** Which alarms an acknowledgement or a shelving names. */
export type AlarmSelector = { source: string; code: string } | { all: true };

export class AlarmBook {
  private readonly entries = new Map<string, AlarmEntry>();
  /** Restored active alarms that no source has raised again yet. */
  private readonly carried = new Set<string>();
  private readonly shelveTimers = new Map<string, TimerHandle>();
  private readonly listeners: ((change: AlarmChange) => void)[] = [];
  private graceTimer: TimerHandle | null = null;

  constructor(private readonly options: AlarmBookOptions) {
    const now = options.clock.now();
    for (const stored of options.restored ?? []) {
      const entry: AlarmEntry = { ...stored, guidance: options.guidance(stored.code, stored.source) };
      const key = alarmKey(entry);
      this.entries.set(key, entry);
      if (entry.active) this.carried.add(key);
      if (entry.shelved_until !== null) this.armShelf(key, entry.shelved_until - now);
    }
    if (this.carried.size > 0) this.graceTimer = options.clock.setTimeout(() => this.endGrace(), options.restoreGraceMs ?? 0);
  }

  /** Told of every change, in order, as it happens. */
  onChange(listener: (change: AlarmChange) => void): void {
    this.listeners.push(listener);
  }

  /** Every listed alarm: unacknowledged before acknowledged, active before latched, the most severe first, then the oldest. */
  list(): AlarmEntry[] {
    return [...this.entries.values()].map(copy).sort(listOrder);
  }

  get(source: string, code: string): AlarmEntry | undefined {
    const entry = this.entries.get(alarmKey({ source, code }));
    return entry && copy(entry);
  }

  /** Unacknowledged, unshelved alarms by severity (for /metrics and the tab title). */
  unacknowledgedBySeverity(): Record<AlarmSeverity, number> {
    const counts: Record<AlarmSeverity, number> = { MINOR: 0, MAJOR: 0, INVALID: 0 };
    for (const e of this.entries.values()) if (!e.acknowledged && e.shelved_until === null) counts[e.highest_severity]++;
    return counts;
  }

  /** Takes a change of the alarm table. */
  fromTable(change: AlarmTableChange, alarm: Alarm): void {
    if (change === 'raised') this.raised(alarm);
    else if (change === 'cleared') this.cleared(alarm);
    else this.updated(alarm);
  }

  /**
   * Acknowledges one alarm or all unacknowledged ones: returns those acknowledged (none when the
   * named alarm is listed but already acknowledged), or null when the named alarm is not listed.
   */
  acknowledge(which: AlarmSelector, action: AlarmAction): AlarmEntry[] | null {
    const keys = 'all' in which ? [...this.entries.keys()] : [alarmKey(which)];
    if (!('all' in which) && !this.entries.has(keys[0]!)) return null;
    const done: AlarmEntry[] = [];
    for (const key of keys) {
      const entry = this.entries.get(key);
      if (!entry || entry.acknowledged) continue;
      entry.acknowledged = true;
      entry.acknowledgement = { ...action };
      entry.highest_severity = entry.severity;
      done.push(copy(entry));
      this.tell('acknowledged', entry, action.at);
      this.removeIfDone(key, action.at);
    }
    return done;
  }

  /** Shelves a listed alarm until `until` (clock ms); null when it is not listed. */
  shelve(source: string, code: string, until: number, action: AlarmAction): AlarmEntry | null {
    const key = alarmKey({ source, code });
    const entry = this.entries.get(key);
    if (!entry) return null;
    entry.shelved_until = until;
    entry.shelved = { ...action };
    this.armShelf(key, until - action.at);
    this.tell('shelved', entry, action.at);
    return copy(entry);
  }

  /** Ends a shelving early; null when the alarm is not listed or not shelved. */
  unshelve(source: string, code: string, at: number): AlarmEntry | null {
    const key = alarmKey({ source, code });
    const entry = this.entries.get(key);
    if (!entry || entry.shelved_until === null) return null;
    this.endShelf(key, at);
    return copy(entry);
  }

  /** Asks for every listed alarm's guidance again: once the manager that writes its hardware's sentences exists. */
  refreshGuidance(): void {
    for (const entry of this.entries.values()) entry.guidance = this.options.guidance(entry.code, entry.source);
  }

  /** Stops the book's timers (the server is stopping). */
  stop(): void {
    for (const timer of this.shelveTimers.values()) this.options.clock.clearTimeout(timer);
    this.shelveTimers.clear();
    if (this.graceTimer !== null) this.options.clock.clearTimeout(this.graceTimer);
    this.graceTimer = null;
  }

  private raised(alarm: Alarm): void {
    const key = alarmKey(alarm);
    const entry = this.entries.get(key);
    const at = this.options.clock.now();
    if (entry && this.carried.delete(key)) {
      // The condition held across the restart: the same alarm, as acknowledged as it was.
      this.takeCondition(entry, alarm);
      if (!entry.acknowledged && moreSevere(alarm.severity, entry.highest_severity)) entry.highest_severity = alarm.severity;
      if (entry.acknowledged && moreSevere(alarm.severity, entry.highest_severity)) return this.escalate(entry, at);
      return this.tell('updated', entry, at);
    }
    if (!entry) {
      const fresh: AlarmEntry = {
        ...alarm,
        active: true,
        acknowledged: false,
        highest_severity: alarm.severity,
        cleared_at: null,
        shelved_until: null,
        shelved: null,
        acknowledgement: null,
        guidance: this.options.guidance(alarm.code, alarm.source),
        raised_count: 1,
      };
      this.entries.set(key, fresh);
      return this.tell('raised', fresh, at);
    }
    // Raised again (latched, or cleared while shelved): unacknowledged again, from this raise on.
    const wasAcknowledged = entry.acknowledged;
    this.takeCondition(entry, alarm);
    entry.since = alarm.since;
    entry.active = true;
    entry.cleared_at = null;
    entry.raised_count++;
    entry.acknowledged = false;
    entry.acknowledgement = null;
    entry.highest_severity = wasAcknowledged || moreSevere(alarm.severity, entry.highest_severity) ? alarm.severity : entry.highest_severity;
    this.tell('raised', entry, at);
  }

  private updated(alarm: Alarm): void {
    const entry = this.entries.get(alarmKey(alarm));
    if (!entry) return this.raised(alarm);
    const at = this.options.clock.now();
    this.takeCondition(entry, alarm);
    if (moreSevere(alarm.severity, entry.highest_severity)) {
      if (entry.acknowledged) return this.escalate(entry, at);
      entry.highest_severity = alarm.severity;
      return this.tell('escalated', entry, at);
    }
    this.tell('updated', entry, at);
  }

  private escalate(entry: AlarmEntry, at: number): void {
    entry.acknowledged = false;
    entry.acknowledgement = null;
    entry.highest_severity = entry.severity;
    this.tell('escalated', entry, at);
  }

  private cleared(alarm: Alarm): void {
    const key = alarmKey(alarm);
    const entry = this.entries.get(key);
    if (!entry || !entry.active) return;
    this.carried.delete(key);
    this.clearEntry(key, entry, this.options.clock.now());
  }

  private clearEntry(key: string, entry: AlarmEntry, at: number): void {
    entry.active = false;
    entry.cleared_at = at;
    this.tell('cleared', entry, at);
    this.removeIfDone(key, at);
  }

  /** Restored active alarms that nothing raised again: their condition ended while the server was down or starting. */
  private endGrace(): void {
    this.graceTimer = null;
    const at = this.options.clock.now();
    for (const key of [...this.carried]) {
      this.carried.delete(key);
      const entry = this.entries.get(key);
      if (entry?.active) this.clearEntry(key, entry, at);
    }
  }

  private armShelf(key: string, inMs: number): void {
    const old = this.shelveTimers.get(key);
    if (old !== undefined) this.options.clock.clearTimeout(old);
    this.shelveTimers.set(
      key,
      this.options.clock.setTimeout(() => this.endShelf(key, this.options.clock.now()), Math.max(0, inMs)),
    );
  }

  private endShelf(key: string, at: number): void {
    const timer = this.shelveTimers.get(key);
    if (timer !== undefined) this.options.clock.clearTimeout(timer);
    this.shelveTimers.delete(key);
    const entry = this.entries.get(key);
    if (!entry || entry.shelved_until === null) return;
    entry.shelved_until = null;
    entry.shelved = null;
    this.tell('unshelved', entry, at);
    this.removeIfDone(key, at);
  }

  /** Cleared, acknowledged (or not latching) and not shelved: nothing left for a person to see. */
  private removeIfDone(key: string, at: number): void {
    const entry = this.entries.get(key);
    if (!entry || entry.active || entry.shelved_until !== null) return;
    if (!entry.acknowledged && !this.options.nonLatching?.has(entry.code)) return;
    this.entries.delete(key);
    this.tell('removed', entry, at);
  }

  private takeCondition(entry: AlarmEntry, alarm: Alarm): void {
    entry.severity = alarm.severity;
    entry.status = alarm.status;
    entry.message = alarm.message;
    entry.value = alarm.value;
    entry.instrument = alarm.instrument;
  }

  private tell(kind: AlarmChangeKind, entry: AlarmEntry, at: number): void {
    const change: AlarmChange = { kind, alarm: copy(entry), at };
    for (const l of this.listeners) l(change);
  }
}

function copy(entry: AlarmEntry): AlarmEntry {
  return {
    ...entry,
    shelved: entry.shelved && { ...entry.shelved },
    acknowledgement: entry.acknowledgement && { ...entry.acknowledgement },
  };
}

function listOrder(a: AlarmEntry, b: AlarmEntry): number {
  return (
    Number(a.acknowledged) - Number(b.acknowledged) ||
    Number(b.active) - Number(a.active) ||
    RANK[b.highest_severity] - RANK[a.highest_severity] ||
    a.since - b.since
  );
}
