// Daily TSV files of readings (PROTOCOL.md §6): <data_dir>/<series>/yy-mm-dd[-virtual].tsv,
// header `timestamp\t<column>` (`HV` for the rack), rows `HH:MM:SS.ffffff\t<value>`. Each row is written to its file as soon
// as it arrives; the file rolls at local midnight.
//
// A disk that refuses a write (full, failing, read-only, out of file handles) does not lose the
// readings at once: they wait in memory, in order, up to `backlogRows`, and are written when a
// retry succeeds (on the next reading, or on the clock every `retryMs`). Beyond the bound, new
// readings are dropped and counted. A write either lands whole or is cut back, so a file never
// holds half a row once the disk has room again.

import { mkdir, open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { Clock, TimerHandle } from '../clock/clock.js';
import { unwatchedHealth, writeErrorText, type StorageHealth } from './storage-health.js';

/** Three days of three series at one reading per 4 s (3 × 21 600 × 3 ≈ 194 400), rounded up; ~100 bytes each in memory. */
export const DEFAULT_BACKLOG_ROWS = 200_000;
export const DEFAULT_RETRY_MS = 30_000;

export interface ReadingsLogOptions {
  dataDir: string;
  /** Simulated readings go to `-virtual` files so they are never mistaken for the rack's. */
  virtual: boolean;
  /** Readings kept in memory while the disk refuses them; readings beyond are dropped and counted. */
  backlogRows?: number;
  /** The program's clock, to retry a refused write while no reading arrives; without it only the next reading retries. */
  clock?: Pick<Clock, 'setTimeout' | 'clearTimeout'>;
  retryMs?: number;
  /** Told when writes start failing and when the backlog is written. */
  health?: StorageHealth;
  /** The value column's name in each file's header: `HV` for the rack (what its tools read), `value` when left out. */
  column?: string;
  /**
   * Rows wait up to this many clock ms and go to the disk together (0, the default: each row at
   * once). For a simulated day run as fast as the machine allows, where a write per row would cost
   * more than the readings themselves; needs `clock`.
   */
  coalesceMs?: number;
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** `yy-mm-dd` of a clock time, in local time (the lab's day). */
export function dayName(at: number): string {
  const d = new Date(at);
  return `${pad(d.getFullYear() % 100)}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** `HH:MM:SS.ffffff` of a clock time, in local time. */
export function timeOfDay(at: number): string {
  const d = new Date(at);
  const micros = Math.round((at - Math.floor(at / 1000) * 1000) * 1000);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(Math.min(micros, 999_999), 6)}`;
}

/** Rows taken from the backlog per round of writes: bounds one write's size (~35 bytes a row). */
const BATCH_ROWS = 4096;

interface OpenFile {
  path: string;
  handle: FileHandle;
  /** Bytes in the file: where a failed write is cut back to. */
  size: number;
}

/** A reading waiting for its file: numbers, formatted only when written (a third of the memory of the text). */
interface Row {
  series: string;
  path: string;
  at: number;
  value: number;
}

export class ReadingsLog {
  private readonly files = new Map<string, OpenFile>();
  private readonly backlog: Row[] = [];
  /** Each series' present file and the local day it holds ([from, to) clock ms): the rows waiting in memory share one string, made once a day. */
  private readonly paths = new Map<string, { path: string; from: number; to: number }>();
  private readonly maxRows: number;
  private readonly retryMs: number;
  private readonly health: StorageHealth;
  private readonly header: string;
  /** The current round of writes; settles once the backlog is written or a write failed. */
  private running: Promise<void> = Promise.resolve();
  private busy = false;
  private retryTimer: TimerHandle | null = null;
  /** The last refusal while it lasts: the alarm's cause. */
  private fault: { error: unknown; path: string } | null = null;
  private droppedInFault = 0;
  private caughtUp = 0;
  private rows = 0;
  private failures = 0;
  private droppedTotal = 0;
  private closed = false;
  private coalesceTimer: TimerHandle | null = null;
  /** Settles when the rows waiting for the coalescing timer are written. */
  private coalesced: { done: Promise<void>; release: () => void } | null = null;

  constructor(private readonly options: ReadingsLogOptions) {
    this.header = `timestamp\t${options.column ?? 'value'}\n`;
    this.maxRows = options.backlogRows ?? DEFAULT_BACKLOG_ROWS;
    this.retryMs = options.retryMs ?? DEFAULT_RETRY_MS;
    this.health = options.health ?? unwatchedHealth;
  }

  get rowsWritten(): number {
    return this.rows;
  }

  /** Rounds of writes the disk refused. */
  get writeFailures(): number {
    return this.failures;
  }

  /** Readings waiting in memory for the disk. */
  get backlogRows(): number {
    return this.backlog.length;
  }

  /** Readings dropped since start because the backlog was full. */
  get droppedRows(): number {
    return this.droppedTotal;
  }

  pathFor(series: string, at: number): string {
    return join(this.options.dataDir, series, `${dayName(at)}${this.options.virtual ? '-virtual' : ''}.tsv`);
  }

  /** The file of `series` for a row at `at`: the day's, worked out when the day changes, not at every row. */
  private currentPath(series: string, at: number): string {
    const known = this.paths.get(series);
    if (known && at >= known.from && at < known.to) return known.path;
    const d = new Date(at);
    const from = new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
    const to = new Date(d.getFullYear(), d.getMonth(), d.getDate() + 1).getTime();
    const path = this.pathFor(series, at);
    this.paths.set(series, { path, from, to });
    return path;
  }

  /** Queues one row; the returned promise settles when it is in the file, or kept in memory because the disk refused it. */
  append(series: string, at: number, value: number): Promise<void> {
    if (this.closed) return Promise.reject(new Error(`readings log is closed; row for ${series} at ${timeOfDay(at)} not written`));
    if (this.backlog.length >= this.maxRows) {
      // Keep the oldest: they join on to what is already in the files.
      this.droppedInFault++;
      this.droppedTotal++;
      this.report();
      return this.running;
    }
    const path = this.currentPath(series, at);
    this.backlog.push({ series, path, at, value });
    const clock = this.options.clock;
    const wait = this.options.coalesceMs ?? 0;
    if (wait > 0 && clock) {
      if (!this.coalesced) {
        let release!: () => void;
        const done = new Promise<void>((resolve) => (release = resolve));
        this.coalesced = { done, release };
        this.coalesceTimer = clock.setTimeout(() => this.writeCoalesced(), wait);
      }
      return this.coalesced.done;
    }
    return this.writeBacklog();
  }

  /** Writes the rows that wait for the coalescing timer now. */
  private writeCoalesced(): void {
    if (this.coalesceTimer !== null) this.options.clock?.clearTimeout(this.coalesceTimer);
    this.coalesceTimer = null;
    const waiting = this.coalesced;
    this.coalesced = null;
    if (!waiting) return;
    void this.writeBacklog().then(waiting.release);
  }

  /** Settles once the current round of writes has ended (written, or kept in memory), rows waiting to be coalesced included. */
  async flush(): Promise<void> {
    const waiting = this.coalesced?.done;
    this.writeCoalesced();
    await waiting;
    return this.running;
  }

  /** One last try for what waits in memory; what the disk still refuses is lost (see backlogRows). */
  async close(): Promise<void> {
    const waiting = this.coalesced?.done;
    this.writeCoalesced();
    await waiting;
    this.closed = true;
    this.cancelRetry();
    await this.running;
    if (this.backlog.length > 0) await this.writeBacklog();
    for (const file of this.files.values()) {
      await file.handle.sync().catch(() => {});
      await file.handle.close().catch(() => {});
    }
    this.files.clear();
  }

  /** Starts a round of writes unless one is running (which takes the new rows too). */
  private writeBacklog(): Promise<void> {
    if (!this.busy) {
      this.busy = true;
      this.running = this.writeRounds();
    }
    return this.running;
  }

  private async writeRounds(): Promise<void> {
    try {
      // `busy` drops in the same tick as the last look at the backlog, so no row is left behind.
      while (this.backlog.length > 0) await this.writeBatch();
    } catch {
      this.failures++;
      this.report();
      this.retryLater();
      return;
    } finally {
      this.busy = false;
    }
    if (this.fault) this.recovered();
  }

  /**
   * Writes the oldest rows, grouped by file. A file that refuses its rows does not hold up the
   * others' (a bad directory of one series); its rows stay first in line, in order.
   */
  private async writeBatch(): Promise<void> {
    const batch = this.backlog.slice(0, BATCH_ROWS);
    const byPath = new Map<string, Row[]>();
    for (const row of batch) {
      const rows = byPath.get(row.path);
      if (rows) rows.push(row);
      else byPath.set(row.path, [row]);
    }
    const refused = new Set<string>();
    let error: unknown = null;
    for (const [path, rows] of byPath) {
      try {
        await this.writeRows(rows[0]!.series, path, rows);
      } catch (err) {
        refused.add(path);
        error ??= err;
        this.fault = { error: err, path };
        continue;
      }
      this.rows += rows.length;
      if (this.fault) this.caughtUp += rows.length;
    }
    this.backlog.splice(0, batch.length, ...(refused.size ? batch.filter((r) => refused.has(r.path)) : []));
    if (error !== null) throw error;
  }

  private async writeRows(series: string, path: string, rows: Row[]): Promise<void> {
    const file = await this.fileFor(series, path);
    const bytes = Buffer.from((file.size === 0 ? this.header : '') + rows.map((r) => `${timeOfDay(r.at)}\t${r.value}\n`).join(''));
    let done = 0;
    try {
      while (done < bytes.length) {
        const { bytesWritten } = await file.handle.write(bytes, done, bytes.length - done);
        if (bytesWritten === 0) throw new Error(`write to ${path} made no progress`);
        done += bytesWritten;
      }
      file.size += bytes.length;
    } catch (err) {
      // Cut a part-written write back, so the retry writes whole rows; reopen on the retry in case
      // the file or its directory was replaced meanwhile.
      if (done > 0) await file.handle.truncate(file.size).catch(() => {});
      this.files.delete(series);
      await file.handle.close().catch(() => {});
      throw err;
    }
  }

  private async fileFor(series: string, path: string): Promise<OpenFile> {
    const current = this.files.get(series);
    if (current?.path === path) return current;
    if (current) {
      this.files.delete(series);
      await current.handle.close().catch(() => {}); // the day rolled over
    }
    await mkdir(join(this.options.dataDir, series), { recursive: true });
    const handle = await open(path, 'a');
    try {
      const file = { path, handle, size: (await handle.stat()).size };
      this.files.set(series, file);
      return file;
    } catch (err) {
      await handle.close().catch(() => {});
      throw err;
    }
  }

  private report(): void {
    if (!this.fault) return;
    const waiting = this.backlog.length;
    this.health.failing(
      `readings could not be written to ${this.fault.path} (${writeErrorText(this.fault.error)}); expected a data directory this user can write, with free space; ` +
        `${waiting} readings wait in memory (at most ${this.maxRows}) to be written when it can, ${this.droppedInFault} dropped`,
      this.droppedInFault,
    );
  }

  private recovered(): void {
    const summary = `readings log writes again: the readings kept in memory are in the files (${this.caughtUp} written since the fault began), ${this.droppedInFault} were dropped`;
    this.fault = null;
    this.caughtUp = 0;
    this.droppedInFault = 0;
    this.cancelRetry();
    this.health.recovered(summary);
  }

  private retryLater(): void {
    const clock = this.options.clock;
    if (!clock || this.closed || this.retryTimer !== null) return;
    this.retryTimer = clock.setTimeout(() => {
      this.retryTimer = null;
      if (!this.closed && this.backlog.length > 0) void this.writeBacklog();
    }, this.retryMs);
  }

  private cancelRetry(): void {
    if (this.retryTimer !== null) this.options.clock?.clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }
}
