// The notifications waiting for their receivers, kept in the data directory so that a restart
// sends them (notify/outbox.json). Saved whenever a queue changes, but never on the path that
// changed it: changes in one turn of the event loop make one write, one write is in flight at a
// time, and each is atomic (temporary file, fsync, rename). A disk that refuses the write (full,
// read-only) keeps every queue in memory, delivery goes on, and the fault is told through the
// StorageHealth (STORAGE_FAULT) until a write succeeds again (retried on the clock). A file that
// cannot be read is moved aside and alarmed (NOTIFY_OUTBOX_UNREADABLE, cleared once a good outbox
// is written again), never a reason not to start.

import { readFileSync, renameSync } from 'node:fs';
import type { AlarmTable } from '../alarm-table.js';
import type { Clock, TimerHandle } from '../../clock/clock.js';
import type { Logger } from '../../log/logger.js';
import { writeFileAtomic, type AtomicWrite } from '../../storage/atomic-write.js';
import { writeErrorText, type StorageHealth } from '../../storage/storage-health.js';
import type { Queued } from './channel-delivery.js';
import { isNotification } from './notification.js';

export const NOTIFY_OUTBOX_UNREADABLE = 'NOTIFY_OUTBOX_UNREADABLE';
/** The source of the outbox's alarms (and the name its StorageHealth should carry). */
export const OUTBOX_SOURCE = 'notify-outbox';
/** A refused write is tried again this often (clock ms) while nothing else changes. */
export const OUTBOX_RETRY_MS = 30_000;

/** The waiting notifications of each receiver, by its name. */
export type OutboxQueues = Record<string, Queued[]>;

interface OutboxFile {
  version: 1;
  saved_at: number;
  channels: OutboxQueues;
}

export interface OutboxOptions {
  path: string;
  clock: Pick<Clock, 'now' | 'setTimeout' | 'clearTimeout'>;
  health: StorageHealth;
  alarms: Pick<AlarmTable, 'raise' | 'clear'>;
  log: Pick<Logger, 'info' | 'warn' | 'error'>;
  /** The queues as they are now, saved as they are. */
  snapshot(): OutboxQueues;
  /** How a file is replaced (tests give one that fails). */
  write?: AtomicWrite;
  retryMs?: number;
  observe?(event: OutboxEvent): void;
}

/** What one save did. */
export interface OutboxEvent {
  saved: boolean;
  /** Notifications in the file (or that it failed to hold). */
  pending: number;
  error: string | null;
}

export interface OutboxStatus {
  file: string;
  /** Clock ms of the last successful save; null before the first. */
  saved_at: number | null;
  /** Why the last save failed, while saves fail; null when the last one worked. */
  error: string | null;
}

function readQueues(text: string): OutboxQueues {
  const file = JSON.parse(text) as Partial<OutboxFile> | null;
  if (typeof file !== 'object' || file === null || file.version !== 1) throw new Error('not an outbox of version 1');
  const channels = file.channels;
  if (typeof channels !== 'object' || channels === null || Array.isArray(channels)) throw new Error('no "channels" object');
  for (const [name, queue] of Object.entries(channels)) {
    if (!Array.isArray(queue) || !queue.every((q: Partial<Queued> | null) => typeof q?.queued_at === 'number' && isNotification(q.notification))) {
      throw new Error(`the queue of ${name} is not a list of notifications`);
    }
  }
  return channels;
}

export class Outbox {
  private writing: Promise<void> | null = null;
  private dirty = false;
  private retryTimer: TimerHandle | null = null;
  private failing = false;
  private unreadableAlarmed = false;
  private closed = false;
  private savedAt: number | null = null;
  private lastError: string | null = null;
  private readonly write: AtomicWrite;

  constructor(private readonly o: OutboxOptions) {
    this.write = o.write ?? writeFileAtomic;
  }

  /**
   * What the file holds (nothing when there is none). Read once at start, synchronously, before
   * any alarm changes arrive. A file that cannot be read is moved aside and alarmed; a fresh one
   * is written at once.
   */
  load(): OutboxQueues {
    let text: string;
    try {
      text = readFileSync(this.o.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
      this.unreadable(writeErrorText(err));
      return {};
    }
    try {
      return readQueues(text);
    } catch (err) {
      this.unreadable((err as Error).message);
      return {};
    }
  }

  /** A queue changed: saved soon, off this path. */
  changed(): void {
    this.dirty = true;
    if (this.writing === null) this.writing = this.writeLoop();
  }

  /** Settles once everything changed so far was saved or refused. */
  async flush(): Promise<void> {
    while (this.writing !== null || this.dirty) {
      if (this.writing === null) this.writing = this.writeLoop();
      await this.writing;
      if (this.failing) return; // refused: tried once, not again and again
    }
  }

  /** The last save: waits for it; stops the retries. What still cannot be saved is logged as lost at a restart. */
  async close(): Promise<void> {
    this.dirty = true;
    await this.flush();
    this.closed = true;
    if (this.retryTimer !== null) this.o.clock.clearTimeout(this.retryTimer);
    this.retryTimer = null;
    if (this.failing) {
      const pending = this.count(this.o.snapshot());
      this.o.log.error({ pending, error: this.lastError }, `${pending} notifications waiting could not be saved to ${this.o.path} (${this.lastError}); they are lost with this stop`);
    }
  }

  status(): OutboxStatus {
    return { file: this.o.path, saved_at: this.savedAt, error: this.failing ? this.lastError : null };
  }

  private unreadable(reason: string): void {
    const aside = `${this.o.path}.unreadable-${this.o.clock.now()}`;
    let moved: string;
    try {
      renameSync(this.o.path, aside);
      moved = `moved to ${aside}`;
    } catch (err) {
      moved = `and could not be moved aside (${writeErrorText(err)})`;
    }
    this.unreadableAlarmed = true;
    this.o.alarms.raise({
      source: OUTBOX_SOURCE,
      instrument: null,
      code: NOTIFY_OUTBOX_UNREADABLE,
      severity: 'MAJOR',
      status: 'READ',
      message: `the notifications outbox ${this.o.path} could not be read (${reason}), ${moved}; notifications that waited before the restart may not have been sent; expected an outbox this server wrote`,
      value: null,
    });
    this.changed();
  }

  private count(queues: OutboxQueues): number {
    return Object.values(queues).reduce((n, q) => n + q.length, 0);
  }

  private async writeLoop(): Promise<void> {
    // Whatever else changes in this turn of the event loop goes in the same write.
    await new Promise<void>((resolve) => setImmediate(resolve));
    while (this.dirty) {
      this.dirty = false;
      const channels = this.o.snapshot();
      const pending = this.count(channels);
      const file: OutboxFile = { version: 1, saved_at: this.o.clock.now(), channels };
      try {
        await this.write(this.o.path, `${JSON.stringify(file)}\n`);
      } catch (err) {
        this.refused(err, pending);
        this.writing = null;
        return;
      }
      this.saved(pending);
    }
    this.writing = null;
  }

  private saved(pending: number): void {
    this.savedAt = this.o.clock.now();
    this.lastError = null;
    if (this.retryTimer !== null) this.o.clock.clearTimeout(this.retryTimer);
    this.retryTimer = null;
    if (this.failing) {
      this.failing = false;
      this.o.health.recovered(`the notifications outbox ${this.o.path} is saved again (${pending} waiting)`);
    }
    if (this.unreadableAlarmed) {
      this.unreadableAlarmed = false;
      this.o.alarms.clear(OUTBOX_SOURCE, NOTIFY_OUTBOX_UNREADABLE);
    }
    this.o.observe?.({ saved: true, pending, error: null });
  }

  private refused(err: unknown, pending: number): void {
    this.failing = true;
    this.dirty = true; // what was not saved is saved by the next attempt
    this.lastError = writeErrorText(err);
    this.o.health.failing(
      `the notifications outbox could not be saved to ${this.o.path} (${this.lastError}); expected a data directory this user can write, with free space; ` +
        `${pending} notifications wait in memory and are still sent, but a restart before the disk takes them again loses them`,
      pending,
    );
    if (!this.closed && this.retryTimer === null) {
      this.retryTimer = this.o.clock.setTimeout(() => {
        this.retryTimer = null;
        if (this.writing === null) this.writing = this.writeLoop();
      }, this.o.retryMs ?? OUTBOX_RETRY_MS);
    }
    this.o.observe?.({ saved: false, pending, error: this.lastError });
  }
}
