// The JSON log file: rolled by size and at local midnight, old files deleted beyond a count
// (rolling-file.ts), and a disk that refuses it never stops the program: lines wait in a bounded
// buffer and are dropped beyond it, an error from the file is a fault to report (not an uncaught
// exception), and the flush at exit tries once and gives up.

import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { openRollingFile, type RollingStream } from './rolling-file.js';
import { unwatchedHealth, writeErrorText, type StorageHealth } from '../storage/storage-health.js';

export interface LogFileOptions {
  /** Base path: `logs/hv-server.log` is written as `logs/hv-server.<yyyy-MM-dd>.<n>.log`, with `logs/current.log` linking to the present one (not on Windows). */
  path: string;
  /** A new file once the present one reaches this many MB (fractions allowed). */
  rotateSizeMb: number;
  /** Older files kept besides the present one, those of earlier runs included. */
  retainFiles: number;
  /** Bytes of lines held while the disk is slow or refuses them (LOG_BUFFER_BYTES unless a test says otherwise). */
  bufferBytes?: number;
  /** The system the link depends on (tests); process.platform unless told. */
  platform?: NodeJS.Platform;
}

/** Lines held while the disk is slow or refuses them; beyond this they are dropped and counted. */
export const LOG_BUFFER_BYTES = 16 * 1024 * 1024;

export class LogFile {
  private health: StorageHealth = unwatchedHealth;
  private fault: unknown = null;
  private dropped = 0;
  private droppedInFault = 0;

  private constructor(
    /** Null when the file could not even be set up; the fault says why. */
    readonly stream: RollingStream | null,
    private readonly path: string,
    private readonly bufferBytes: number,
  ) {
    stream?.on('error', (err: unknown) => this.failed(err));
    stream?.on('drop', () => {
      this.dropped++;
      this.droppedInFault++;
      if (this.fault) this.report();
    });
    stream?.on('write', () => {
      if (this.fault) this.recovered();
    });
  }

  static async open(options: LogFileOptions): Promise<LogFile> {
    try {
      mkdirSync(dirname(options.path), { recursive: true });
      const stream = await openRollingFile({
        path: options.path,
        sizeBytes: options.rotateSizeMb * 1024 * 1024,
        retainFiles: options.retainFiles,
        // Windows lets only administrators (and Developer Mode) make a symbolic link: elsewhere the
        // link would throw EPERM when the file is opened, and there would be no log file at all.
        // There the present file is the highest-numbered one of the day.
        symlink: (options.platform ?? process.platform) !== 'win32',
        maxLength: options.bufferBytes ?? LOG_BUFFER_BYTES,
        // A pipe or NFS that keeps answering EAGAIN gets 10 retries (1 s), not forever.
        maxWriteRetries: 10,
      });
      return new LogFile(stream, options.path, options.bufferBytes ?? LOG_BUFFER_BYTES);
    } catch (err) {
      const file = new LogFile(null, options.path, options.bufferBytes ?? LOG_BUFFER_BYTES);
      file.failed(err);
      return file;
    }
  }

  /** Lines dropped since start because the buffer was full. */
  get droppedLines(): number {
    return this.dropped;
  }

  /** Where faults go from now on; one already there is told at once. */
  watch(health: StorageHealth): void {
    this.health = health;
    if (this.fault) this.report();
  }

  /**
   * Resolves once the lines logged so far are in the file (or the disk refused them), or after `ms`
   * of real time at most: for a clean stop, since flush() cannot finish a write already under way.
   */
  settle(ms = 1000): Promise<void> {
    const stream = this.stream;
    if (!stream) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      try {
        stream.flush(done);
      } catch {
        done(); // destroyed: nothing more will be written
      }
    });
  }

  /** Writes what is buffered, once: on a disk that refuses it the lines are lost rather than the program stuck. */
  flush(): void {
    try {
      this.stream?.flushSync();
    } catch (err) {
      // Not open yet, or the disk refused it: nothing more can be done at exit.
      if (!this.fault) this.failed(err);
    }
  }

  private failed(err: unknown): void {
    const first = !this.fault;
    this.fault = err;
    if (first) this.report();
  }

  private report(): void {
    const where = this.stream?.file ?? this.path;
    this.health.failing(
      `log lines could not be written to ${where} (${writeErrorText(this.fault)}); expected a log directory this user can write, with free space; ` +
        `up to ${Math.round(this.bufferBytes / 1024)} KB of lines wait in memory, ${this.droppedInFault} lines dropped`,
      this.droppedInFault,
    );
  }

  private recovered(): void {
    const dropped = this.droppedInFault;
    this.fault = null;
    this.droppedInFault = 0;
    this.health.recovered(`log file writes again${dropped ? `; ${dropped} lines were dropped meanwhile` : ''}`);
  }
}
