// pino-roll ships no types: what this program uses of it (v4), a sonic-boom stream that rolls its file.
declare module 'pino-roll' {
  import type { EventEmitter } from 'node:events';

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

  export interface PinoRollOptions {
    /** Base path: `logs/app.log` becomes `logs/app.<date>.<n>.log`. */
    file: string;
    /** Roll past this size: a number of MB, or '10m', '512k', '100b'. */
    size?: string | number;
    frequency?: 'daily' | 'hourly' | number;
    dateFormat?: string;
    extension?: string;
    /** Older files kept besides the present one; removeOtherLogFiles counts those of earlier runs too. */
    limit?: { count: number; removeOtherLogFiles?: boolean };
    /** A `current.log` link to the present file, next to it. */
    symlink?: boolean;
    mkdir?: boolean;
    sync?: boolean;
    minLength?: number;
    maxLength?: number;
    maxWriteRetries?: number;
  }

  export default function pinoRoll(options: PinoRollOptions): Promise<RollingStream>;
}
