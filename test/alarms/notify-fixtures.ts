// What the notification tests share: an alarm book that a test drives by hand, the real receivers
// (bench/notify-receivers.ts: an HTTP webhook receiver and an SMTP server), and the
// notifications started on a ManualClock with a real alarm table and a data directory of their own.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { alarmKey, type AlarmChange, type AlarmChangeKind, type AlarmEntry } from '../../src/kit/alarms/alarm-entry.js';
import { AlarmTable, type AlarmSeverity } from '../../src/kit/alarms/alarm-table.js';
import type { AlarmFeed } from '../../src/kit/alarms/notify/alarm-feed.js';
import { startAlarmNotifications, type AlarmNotifications, type NotifyEvent, type NotifySettings } from '../../src/kit/alarms/notify/start-alarm-notifications.js';
import { ManualClock } from '../../src/kit/clock/clock.js';
import type { EmailConfig, NotifyConfig, WebhookConfig } from '../../src/kit/config/kit-config.js';
import type { AtomicWrite } from '../../src/kit/storage/atomic-write.js';
import { storageAlarm } from '../../src/kit/alarms/storage-alarm.js';

export { Receiver, startSmtp, type Mail, type ReceivedRequest, type ReceiverMode } from '../../bench/notify-receivers.js';

/** The book's part, by hand: each call changes one alarm and tells the listeners, as the book does. */
export class HandBook implements AlarmFeed {
  private readonly entries = new Map<string, AlarmEntry>();
  private readonly listeners: ((change: AlarmChange) => void)[] = [];

  constructor(private readonly clock: ManualClock) {}

  onChange(listener: (change: AlarmChange) => void): void {
    this.listeners.push(listener);
  }

  list(): AlarmEntry[] {
    return [...this.entries.values()].map((e) => ({ ...e }));
  }

  /** Raised, or (active, higher than before) escalated. */
  raise(source: string, code: string, severity: AlarmSeverity = 'MAJOR', extra: Partial<AlarmEntry> = {}): AlarmEntry {
    const key = alarmKey({ source, code });
    const known = this.entries.get(key);
    const rank = { MINOR: 0, MAJOR: 1, INVALID: 2 } as const;
    const escalated = known?.active === true && rank[severity] > rank[known.severity];
    const now = this.clock.now();
    const entry: AlarmEntry = {
      source,
      instrument: null,
      code,
      severity,
      status: 'STATE',
      message: `${code} of ${source}`,
      value: null,
      since: known?.active ? known.since : now,
      active: true,
      acknowledged: false,
      highest_severity: known && !known.acknowledged && rank[known.highest_severity] > rank[severity] ? known.highest_severity : severity,
      cleared_at: null,
      shelved_until: known?.shelved_until ?? null,
      shelved: known?.shelved ?? null,
      acknowledgement: null,
      guidance: `check the ${source} first`,
      raised_count: (known?.raised_count ?? 0) + 1,
      ...extra,
    };
    this.entries.set(key, entry);
    this.emit(escalated ? 'escalated' : 'raised', entry);
    return entry;
  }

  clear(source: string, code: string): void {
    this.change(source, code, (e) => ({ ...e, active: false, cleared_at: this.clock.now() }), 'cleared');
  }

  acknowledge(source: string, code: string): void {
    const entry = this.change(source, code, (e) => ({ ...e, acknowledged: true, acknowledgement: { by: 'Anna at 127.0.0.1', at: this.clock.now(), note: null } }), 'acknowledged');
    if (!entry.active) {
      this.entries.delete(alarmKey(entry));
      this.emit('removed', entry);
    }
  }

  shelve(source: string, code: string, minutes: number): void {
    this.change(source, code, (e) => ({ ...e, shelved_until: this.clock.now() + minutes * 60_000, shelved: { by: 'Anna at 127.0.0.1', at: this.clock.now(), note: 'repair' } }), 'shelved');
  }

  unshelve(source: string, code: string): void {
    this.change(source, code, (e) => ({ ...e, shelved_until: null, shelved: null }), 'unshelved');
  }

  private change(source: string, code: string, f: (e: AlarmEntry) => AlarmEntry, kind: AlarmChangeKind): AlarmEntry {
    const key = alarmKey({ source, code });
    const known = this.entries.get(key);
    if (!known) throw new Error(`no alarm ${key}`);
    const entry = f(known);
    this.entries.set(key, entry);
    this.emit(kind, entry);
    return entry;
  }

  private emit(kind: AlarmChangeKind, entry: AlarmEntry): void {
    for (const l of this.listeners) l({ kind, alarm: { ...entry }, at: this.clock.now() });
  }
}

export interface HarnessOptions {
  webhooks?: WebhookConfig[];
  email?: EmailConfig | null;
  notify?: Partial<NotifyConfig>;
  repeatMinutes?: number;
  dataDir?: string;
  clock?: ManualClock;
  write?: AtomicWrite;
  serverName?: string;
}

/** The notifications on a ManualClock, with a hand-driven book, a real alarm table and a fresh data directory. */
export function startHarness(options: HarnessOptions = {}) {
  const clock = options.clock ?? new ManualClock();
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n')) if (line.trim()) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const log = pino({ level: 'debug', base: undefined }, sink);
  const alarms = new AlarmTable(log, () => clock.now());
  const book = new HandBook(clock);
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'hv-notify-'));
  const events: NotifyEvent[] = [];
  let waiters: { match: (e: NotifyEvent) => boolean; resolve: (e: NotifyEvent) => void }[] = [];
  const config: NotifySettings = {
    alarms: {
      repeat_minutes: options.repeatMinutes ?? 30,
      notify: {
        webhooks: options.webhooks ?? [],
        email: options.email ?? null,
        on_clear: false,
        group_seconds: 1,
        queue_limit: 500,
        timeout_s: 10,
        retry_initial_s: 1,
        retry_max_s: 60,
        ...options.notify,
      },
    },
  };
  const notifications: AlarmNotifications = startAlarmNotifications({
    config,
    clock,
    log,
    book,
    alarms,
    storageHealth: storageAlarm(alarms, 'notify-outbox', log),
    dataDir,
    serverName: options.serverName ?? 'hv-rack',
    ...(options.write ? { write: options.write } : {}),
    observe: (event) => {
      events.push(event);
      const due = waiters.filter((w) => w.match(event));
      waiters = waiters.filter((w) => !w.match(event));
      for (const w of due) w.resolve(event);
    },
  });
  /** The first event from now on that matches. */
  const next = (match: (e: NotifyEvent) => boolean): Promise<NotifyEvent> => new Promise((resolve) => waiters.push({ match, resolve }));
  /** The n-th attempt event (1-based) since the start, once it has come. */
  const attempt = (n: number) => {
    const got = events.filter((e) => e.type === 'attempt')[n - 1];
    if (got) return Promise.resolve(got as Extract<NotifyEvent, { type: 'attempt' }>);
    return new Promise<Extract<NotifyEvent, { type: 'attempt' }>>((resolve) => {
      const check = () => {
        const now = events.filter((e) => e.type === 'attempt')[n - 1];
        if (now) resolve(now as Extract<NotifyEvent, { type: 'attempt' }>);
        else void next((e) => e.type === 'attempt').then(check);
      };
      check();
    });
  };
  const queued = () => events.filter((e): e is Extract<NotifyEvent, { type: 'queued' }> => e.type === 'queued').map((e) => e.notification);
  return { clock, book, alarms, notifications, dataDir, events, lines, next, attempt, queued, log };
}
