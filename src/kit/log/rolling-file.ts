// The JSON log's stream: a sonic-boom file stream that moves on to a new file past a size and at
// local midnight, keeps `current.log` linked to the present file, and deletes the oldest beyond a
// count. It does what pino-roll did for this program (names in log-file-names.ts) without pino-roll's
// date library, whose 300 modules were 2-3 MB of an idle server's memory for one date format.

import { lstatSync, mkdirSync, readlinkSync, symlinkSync, unlinkSync } from 'node:fs';
import { readdir, stat, unlink } from 'node:fs/promises';
import type { EventEmitter } from 'node:events';
import { basename, join } from 'node:path';
import sonicBoom from 'sonic-boom';
import { filesBeyondRetained, logDay, logFileBase, logFileName, nextMidnight, todaysNumber } from './log-file-names.js';

/** The stream the logger writes to (sonic-boom's, with the present file's name). */
export interface RollingStream extends EventEmitter {
  write(chunk: string): boolean;
  /** Writes what is buffered now; throws when the disk refuses it (sonic-boom 5). */
  flushSync(): void;
  /** Calls back once every pending write has completed (with an error if one failed). */
  flush(cb?: (err?: Error) => void): void;
  end(): void;
  /** The file written at present. */
  readonly file: string;
}

export interface RollingFileOptions {
  /** Base path: `logs/hv-server.log` is written as `logs/hv-server.<yyyy-MM-dd>.<n>.log`. */
  path: string;
  /** A new file once the present one reaches this many bytes. */
  sizeBytes: number;
  /** Older files kept besides the present one, those of earlier runs included. */
  retainFiles: number;
  /** A `current.log` link to the present file, next to it. */
  symlink: boolean;
  /** Bytes held while the disk is slow or refuses them; beyond, lines are dropped ('drop'). */
  maxLength: number;
  /** Retries of a write the system answers EAGAIN (sonic-boom's own 100 ms apart). */
  maxWriteRetries: number;
}

/** sonic-boom 5 as used here: its types lack the present file and the write retries. */
type Boom = RollingStream & { destroyed: boolean; reopen(file: string): void };

// A CommonJS module whose class is its module.exports: the class as a member of it, for the types.
const { SonicBoom } = sonicBoom;

/** Points `current.log` at `file` (a relative link, so the directory can move). */
function linkCurrent(file: string): void {
  const link = join(file, '..', 'current.log');
  try {
    if (lstatSync(link).isSymbolicLink() && basename(readlinkSync(link)) === basename(file)) return;
    unlinkSync(link);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  symlinkSync(basename(file), link);
}

export async function openRollingFile(options: RollingFileOptions): Promise<RollingStream> {
  const base = logFileBase(options.path);
  mkdirSync(base.dir, { recursive: true });
  let day = logDay(Date.now());
  // Today's highest file is continued, as a server started again the same day appends to it.
  let number = todaysNumber(base, await readdir(base.dir), day);
  let fileName = logFileName(base, day, number);
  // What the present file holds already, so that a continued file rolls at the same size.
  let size = await stat(fileName).then((s) => s.size, () => 0);
  const stream = new SonicBoom({
    dest: fileName,
    mkdir: true,
    sync: false,
    maxLength: options.maxLength,
    maxWriteRetries: options.maxWriteRetries,
  } as ConstructorParameters<typeof SonicBoom>[0]) as unknown as Boom;
  if (options.symlink) linkCurrent(fileName);

  let closing = false;
  let midnight: ReturnType<typeof setTimeout> | undefined;
  stream.once('close', () => {
    closing = true;
    clearTimeout(midnight);
  });

  const removeOld = async () => {
    const names = await readdir(base.dir);
    const present = basename(fileName);
    // allSettled: a file another process holds open (Windows) is left for the next roll.
    await Promise.allSettled(filesBeyondRetained(base, names, present, options.retainFiles).map((name) => unlink(join(base.dir, name))));
  };

  /** Writes out what is buffered, then goes on in `fileName`. */
  const roll = (done?: () => void) => {
    if (stream.destroyed || closing) return done?.();
    stream.flush((err) => {
      if (err) stream.emit('error', err);
      else if (!stream.destroyed && !closing) {
        try {
          stream.reopen(fileName);
          if (options.symlink) linkCurrent(fileName);
          removeOld().catch((cleanupError: unknown) => stream.emit('error', cleanupError));
        } catch (reopenError) {
          stream.emit('error', reopenError);
        }
      }
      done?.();
    });
  };

  stream.on('write', (written: number) => {
    size += written;
    if (fileName === stream.file && size >= options.sizeBytes) {
      size = 0;
      fileName = logFileName(base, day, ++number);
      // After the write under way has finished.
      stream.once('drain', () => roll());
    }
  });

  // The log's day is the wall clock's, as in its file names, whatever the program's time scale; the
  // wait never keeps a process alive that has nothing else to do.
  const scheduleMidnight = () => {
    const at = nextMidnight(Date.now());
    midnight = setTimeout(() => {
      const today = logDay(at);
      if (today !== day) {
        day = today;
        number = 0;
      }
      fileName = logFileName(base, day, ++number);
      size = 0;
      roll(scheduleMidnight);
    }, at - Date.now());
    midnight.unref();
  };
  scheduleMidnight();
  return stream;
}
