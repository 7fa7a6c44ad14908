// A small JSON document kept in the data directory and replaced whole on every save, so a reader
// (the next start) finds either the old document or the new one, never half of each
// (atomic-write.ts). Saves are coalesced: one write is in flight at a
// time, and a save asked for meanwhile writes the newest state once that one is done. A refused
// write (full disk, read-only, out of handles) is reported through StorageHealth and retried on the
// clock; the state stays in memory meanwhile, so nothing is lost while the server runs.

import { readFileSync, renameSync } from 'node:fs';
import type { Clock, TimerHandle } from '../clock/clock.js';
import { writeFileAtomic } from './atomic-write.js';
import { writeErrorText, type StorageHealth } from './storage-health.js';

/** What the file held at start: the document, nothing, or something that is not one (moved aside). */
export type LoadedJson = { kind: 'loaded'; value: unknown } | { kind: 'missing' } | { kind: 'corrupt'; reason: string; movedTo: string | null };

export interface AtomicJsonFileOptions {
  path: string;
  clock: Clock;
  health: StorageHealth;
  /** What the document is, for the alarm's sentence: "the alarm store". */
  what: string;
  /** Clock ms before a refused save is tried again. */
  retryMs?: number;
}

const DEFAULT_RETRY_MS = 10_000;

export class AtomicJsonFile {
  private writing: Promise<void> | null = null;
  /** The newest state not yet written, as text; null when the disk has everything. */
  private pending: string | null = null;
  private retryTimer: TimerHandle | null = null;
  private failing = false;
  private closed = false;
  private savedWaiters: (() => void)[] = [];

  constructor(private readonly options: AtomicJsonFileOptions) {}

  /**
   * Reads the document at start (synchronously: before the server serves anything). A file that
   * does not parse is renamed aside (`<path>.corrupt-<ms>`) so the next save cannot destroy what an
   * operator may want to look at.
   */
  load(): LoadedJson {
    const { path } = this.options;
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'missing' };
      return { kind: 'corrupt', reason: writeErrorText(err), movedTo: null };
    }
    try {
      return { kind: 'loaded', value: JSON.parse(text) as unknown };
    } catch (err) {
      return { kind: 'corrupt', reason: (err as Error).message, movedTo: this.moveAside() };
    }
  }

  /** Sets a document that was read but is not what was expected aside; returns where it went. */
  moveAside(): string | null {
    const to = `${this.options.path}.corrupt-${this.options.clock.now()}`;
    try {
      renameSync(this.options.path, to);
      return to;
    } catch {
      return null;
    }
  }

  /** Saves `value` soon; resolves once it (or a newer state) is on the disk, or at once if the write failed (the alarm says so). */
  save(value: unknown): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.pending = JSON.stringify(value);
    // Waiting for a retry: the disk refused the last write, and the alarm says so; nobody waits for the disk to have room.
    if (this.retryTimer !== null) return Promise.resolve();
    const saved = new Promise<void>((resolve) => this.savedWaiters.push(resolve));
    this.writing ??= this.writeRounds();
    return saved;
  }

  /** Writes what is pending, then takes no more saves. */
  async close(): Promise<void> {
    if (this.retryTimer !== null) this.options.clock.clearTimeout(this.retryTimer);
    this.retryTimer = null;
    if (this.writing) await this.writing;
    if (this.pending !== null) await (this.writing = this.writeRounds());
    this.closed = true;
  }

  private async writeRounds(): Promise<void> {
    try {
      while (this.pending !== null) {
        const text = this.pending;
        const waiters = this.savedWaiters;
        this.pending = null;
        this.savedWaiters = [];
        try {
          await this.write(text);
          if (this.failing) {
            this.failing = false;
            this.options.health.recovered(`${this.options.what} is saved again to ${this.options.path}`);
          }
        } catch (err) {
          // Keep the newest state: a save asked for meanwhile is newer than the one refused.
          this.pending ??= text;
          this.failing = true;
          this.options.health.failing(
            `${this.options.what} could not be saved to ${this.options.path} (${writeErrorText(err)}); expected a data directory this user can write, with free space; it is kept in memory and saved when the disk allows`,
            null,
          );
          this.scheduleRetry();
          // Everyone waiting hears now, those who asked during this write too: the retry may be long in coming.
          for (const w of [...waiters, ...this.savedWaiters.splice(0)]) w();
          return;
        }
        for (const w of waiters) w();
      }
    } finally {
      this.writing = null;
    }
  }

  private scheduleRetry(): void {
    if (this.closed || this.retryTimer !== null) return;
    this.retryTimer = this.options.clock.setTimeout(() => {
      this.retryTimer = null;
      if (!this.writing && this.pending !== null) this.writing = this.writeRounds();
    }, this.options.retryMs ?? DEFAULT_RETRY_MS);
  }

  private write(text: string): Promise<void> {
    return writeFileAtomic(this.options.path, `${text}\n`);
  }
}
