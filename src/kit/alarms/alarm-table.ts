// Every abnormal condition of a manager's hardware as an alarm, EPICS-style: a severity (MINOR, MAJOR,
// INVALID), a status saying what kind of condition it is, a code, one sentence, the value that
// raised it and the time it was raised. Children raise their own (the manager's `childAlarms`); a
// device actor that failed and is restarting, or is out of service, is one too. The table is
// rebuilt from the actors' snapshots whenever one changes; conditions that no actor holds (a disk
// that refuses writes) are raised and cleared directly and kept across those rebuilds. Raising and
// clearing are each logged once and told to the web pages.

import type { AnyActorRef } from 'xstate';
import type { ChildSpec, SupervisorContext } from '../machines/supervisor.machine.js';
import type { Logger } from '../log/logger.js';

/** EPICS alarm status: which kind of condition (dbStatic's menuAlarmStat names). */
export type EpicsStatus = 'STATE' | 'LOLO' | 'HIHI' | 'LOW' | 'HIGH' | 'READ' | 'WRITE' | 'TIMEOUT' | 'COMM' | 'DISABLE';

/** EPICS alarm severity (NO_ALARM is no alarm at all). */
export type AlarmSeverity = 'MINOR' | 'MAJOR' | 'INVALID';

export interface Alarm {
  /** The actor it belongs to: block-1, voltmeter-divider-1, a connector ... */
  source: string;
  /** The instrument concerned, where there is one (its resource). */
  instrument: string | null;
  code: string;
  severity: AlarmSeverity;
  status: EpicsStatus;
  message: string;
  value: number | null;
  /** Clock ms when it was raised. */
  since: number;
}

export type RawAlarm = Omit<Alarm, 'since'>;

/** What the table tells its listeners: a condition raised or cleared, or an active one's new severity or sentence. */
export type AlarmTableChange = 'raised' | 'cleared' | 'updated';
type Raw = RawAlarm;

/** What the kit asks of a manager to say which alarms its children show. */
export interface AlarmSources {
  /** The instrument each actor drives, for the alarm's `instrument` field. */
  instrumentOf(spec: ChildSpec): string | null;
  /** The alarms a running child shows in its own snapshot (a block's reading checks, say). */
  childAlarms?(spec: ChildSpec, snapshot: unknown): Omit<RawAlarm, 'source' | 'instrument'>[];
  /** What to check first for an alarm of `code` from `source` on this hardware; undefined leaves it to the kit's. */
  guidance?(code: string, source: string): string | undefined;
}

/** The alarms the supervisor and its children show now: a child failed or out of service, and each running child's own. */
export function currentAlarms(supervisor: AnyActorRef, sources: AlarmSources): Raw[] {
  const snapshot = supervisor.getSnapshot() as { context: SupervisorContext; children: Record<string, AnyActorRef | undefined> };
  const out: Raw[] = [];
  for (const spec of snapshot.context.specs) {
    if (spec.kind === 'connector') continue;
    const supervision = snapshot.context.children[spec.id];
    const instrument = sources.instrumentOf(spec);
    if (supervision && supervision.status !== 'running' && supervision.status !== 'stopped') {
      const failed = supervision.status === 'failed';
      out.push({
        source: spec.id,
        instrument,
        code: failed ? 'OUT_OF_SERVICE' : 'DEVICE_FAULT',
        severity: failed ? 'INVALID' : 'MAJOR',
        status: 'COMM',
        message: failed
          ? `${spec.id} is out of service after repeated failures (last: ${supervision.fault}); it needs a reset`
          : `${spec.id} failed (${supervision.fault}); restarting${supervision.nextRestartInMs === null ? '' : ` in ${(supervision.nextRestartInMs / 1000).toFixed(0)} s`}`,
        value: supervision.totalRestarts,
      });
      continue;
    }
    if (!sources.childAlarms) continue;
    const child = snapshot.children[spec.id]?.getSnapshot() as unknown;
    if (child === undefined) continue;
    for (const a of sources.childAlarms(spec, child)) out.push({ source: spec.id, instrument, ...a });
  }
  return out;
}

const key = (a: { source: string; code: string }) => `${a.source}/${a.code}`;

export class AlarmTable {
  private active = new Map<string, Alarm>();
  /** What the actors showed last time: raise() and clear() reconcile against it, not against nothing. */
  private fromActors: Raw[] = [];
  /** Raised by raise(), held until clear(): storage and other sources that are not actors. */
  private readonly held = new Map<string, Raw>();
  private readonly listeners: ((change: AlarmTableChange, alarm: Alarm) => void)[] = [];

  constructor(
    private readonly log: Logger,
    private readonly now: () => number,
  ) {}

  /** Active alarms, the most severe first, then the oldest. */
  list(): Alarm[] {
    const rank = { INVALID: 0, MAJOR: 1, MINOR: 2 } as const;
    return [...this.active.values()].sort((a, b) => rank[a.severity] - rank[b.severity] || a.since - b.since);
  }

  /** Told of every raise and clear, and of an active alarm's new severity or sentence (`updated`). */
  onChange(listener: (change: AlarmTableChange, alarm: Alarm) => void): void {
    this.listeners.push(listener);
  }

  /** Takes the alarms the actors show now: new ones are raised, missing ones cleared, each logged once. */
  update(current: Raw[]): void {
    // None shown now and none last time: nothing to raise, update or clear (what raise() holds was
    // reconciled when it was raised). The common case, checked at every reading.
    if (current.length === 0 && this.fromActors.length === 0) return;
    this.fromActors = current;
    this.reconcile();
  }

  /**
   * Raises (or, when already active, updates the sentence and value of) an alarm that no actor
   * holds; it stays active through update() until clear() is called with its source and code.
   */
  raise(alarm: Raw): void {
    this.held.set(key(alarm), { ...alarm });
    this.reconcile();
  }

  /** Clears an alarm raised by raise(); nothing happens when it is not active. */
  clear(source: string, code: string): void {
    if (this.held.delete(key({ source, code }))) this.reconcile();
  }

  private reconcile(): void {
    const seen = new Set<string>();
    for (const raw of [...this.fromActors, ...this.held.values()]) {
      const k = key(raw);
      seen.add(k);
      const known = this.active.get(k);
      if (known) {
        // Same condition, newer words: keep when it began.
        const changed = known.severity !== raw.severity || known.message !== raw.message;
        known.message = raw.message;
        known.value = raw.value;
        known.severity = raw.severity;
        known.status = raw.status;
        if (changed) for (const l of this.listeners) l('updated', known);
        continue;
      }
      const alarm: Alarm = { ...raw, since: this.now() };
      this.active.set(k, alarm);
      const level = alarm.severity === 'MINOR' ? 'warn' : 'error';
      this.log[level]({ alarm }, `alarm raised: ${alarm.source} ${alarm.code} (${alarm.severity}): ${alarm.message}`);
      for (const l of this.listeners) l('raised', alarm);
    }
    for (const [k, alarm] of [...this.active]) {
      if (seen.has(k)) continue;
      this.active.delete(k);
      this.log.info({ alarm, lasted_ms: this.now() - alarm.since }, `alarm cleared: ${alarm.source} ${alarm.code}`);
      for (const l of this.listeners) l('cleared', alarm);
    }
  }
}
