// Daily TSV files of readings (PROTOCOL.md §6): <data_dir>/<series>/yy-mm-dd[-virtual].tsv,
// header `timestamp\tHV`, rows `HH:MM:SS.ffffff\t<volts>`. Each row is written to the file as
// soon as it arrives (no buffering in the process); the file rolls at local midnight.

import { mkdir, open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';

export interface ReadingsLogOptions {
  dataDir: string;
  /** Simulated readings go to `-virtual` files so they are never mistaken for the rack's. */
  virtual: boolean;
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

interface OpenFile {
  path: string;
  handle: FileHandle;
}

export class ReadingsLog {
  private readonly files = new Map<string, OpenFile>();
  /** Writes run one after another, so rows keep their order and a flush waits for all of them. */
  private queue: Promise<void> = Promise.resolve();
  private rows = 0;
  private failures = 0;
  private closed = false;

  constructor(
    private readonly options: ReadingsLogOptions,
    private readonly onError: (err: Error, path: string) => void = () => {},
  ) {}

  get rowsWritten(): number {
    return this.rows;
  }

  get writeFailures(): number {
    return this.failures;
  }

  pathFor(series: string, at: number): string {
    return join(this.options.dataDir, series, `${dayName(at)}${this.options.virtual ? '-virtual' : ''}.tsv`);
  }

  /** Queues one row; the returned promise settles when it is in the file. */
  append(series: string, at: number, volts: number): Promise<void> {
    if (this.closed) return Promise.reject(new Error(`readings log is closed; row for ${series} at ${timeOfDay(at)} not written`));
    const path = this.pathFor(series, at);
    const row = `${timeOfDay(at)}\t${volts}\n`;
    const write = this.queue.then(async () => {
      try {
        const file = await this.fileFor(series, path);
        await file.handle.write(row);
        this.rows++;
      } catch (err) {
        this.failures++;
        this.onError(err as Error, path);
      }
    });
    this.queue = write;
    return write;
  }

  /** Settles once every queued row is written. */
  flush(): Promise<void> {
    return this.queue;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.queue;
    for (const file of this.files.values()) {
      await file.handle.sync().catch(() => {});
      await file.handle.close();
    }
    this.files.clear();
  }

  private async fileFor(series: string, path: string): Promise<OpenFile> {
    const current = this.files.get(series);
    if (current?.path === path) return current;
    if (current) await current.handle.close(); // the day rolled over
    await mkdir(join(this.options.dataDir, series), { recursive: true });
    const handle = await open(path, 'a');
    if ((await handle.stat()).size === 0) await handle.write('timestamp\tHV\n');
    const file = { path, handle };
    this.files.set(series, file);
    return file;
  }
}
