// Structured logs (pino): readable lines on the console and JSON lines in a rolling file, each with
// its own level. Neither may stop the program: a write error is handled, never thrown, and the
// flush at exit never waits on a disk that refuses it.

import pino, { type DestinationStream, type Level, type Logger, type StreamEntry } from 'pino';
import pretty from 'pino-pretty';
import { LogFile } from './log-file.js';

export type { Logger } from 'pino';

/** How much is logged, least to most; `silent` logs nothing. */
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface LoggerOptions {
  consoleLevel: LogLevel;
  fileLevel: LogLevel;
  /** JSON-lines log file (base name, see LogFile); none when undefined. */
  file?: string;
  /** When the file rolls over and how many old ones stay (defaults: 10 MB, 30 files); bufferBytes for tests. */
  rotate?: { sizeMb: number; retainFiles: number; bufferBytes?: number };
  pretty: boolean;
  /** Where console lines go (stdout unless a test says otherwise). */
  console?: DestinationStream;
  /** Log times from the program's clock, so logs and readings agree when time runs scaled. */
  now?: () => number;
}

export interface LogHandle {
  logger: Logger;
  /** The log file, when there is one: its faults go to the alarm table once the server has one. */
  file: LogFile | null;
  /** Writes out everything buffered, once, without waiting on a disk that refuses it; call before exit. */
  flush(): void;
}

/** stdout: written at once (so a crash loses nothing); an error there (a closed pipe, a full disk) loses console lines, never the program. */
function stdout(): DestinationStream {
  const out = pino.destination({ fd: 1, sync: true });
  out.on('error', () => {});
  return out;
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/**
 * `[2026-01-01 12:00:00.000]`, local time: what pino-pretty's translateTime `SYS:yyyy-mm-dd HH:MM:ss.l`
 * writes, without the date-format library it runs on every line (a quarter of a console line's cost).
 */
export function consoleTime(time: unknown): string {
  const at = new Date(time as number | string);
  if (Number.isNaN(at.getTime())) return `[${String(time)}]`;
  return `[${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())} ${pad(at.getHours())}:${pad(at.getMinutes())}:${pad(at.getSeconds())}.${pad(at.getMilliseconds(), 3)}]`;
}

/**
 * How console lines are written: one line each, local time. Every line is formatted on the event
 * loop, between one client's command and the next (a refused command's line among them), so what
 * costs without showing is left out: the time goes through consoleTime, and nothing is ignored
 * (the lines carry no pid or hostname, base being undefined; an ignore list has pino-pretty
 * deep-copy every line to delete keys that are not there).
 */
export const CONSOLE_LINES = { singleLine: true, translateTime: false, customPrettifiers: { time: consoleTime }, ignore: '' } as const;

export async function createLogger(options: LoggerOptions): Promise<LogHandle> {
  const streams: StreamEntry[] = [];
  if (options.consoleLevel !== 'silent') {
    const out =
      options.console ??
      (options.pretty
        ? pretty({ ...CONSOLE_LINES, colorize: process.stdout.isTTY, destination: stdout() })
        : stdout());
    streams.push({ level: options.consoleLevel as Level, stream: out });
  }
  let file: LogFile | null = null;
  if (options.file && options.fileLevel !== 'silent') {
    const rotate = options.rotate ?? { sizeMb: 10, retainFiles: 30 };
    file = await LogFile.open({ path: options.file, rotateSizeMb: rotate.sizeMb, retainFiles: rotate.retainFiles, ...(rotate.bufferBytes ? { bufferBytes: rotate.bufferBytes } : {}) });
    if (file.stream) streams.push({ level: options.fileLevel as Level, stream: file.stream });
  }
  const levels = [options.consoleLevel, options.fileLevel].filter((l) => l !== 'silent') as Level[];
  const lowest = levels.sort((a, b) => pino.levels.values[a]! - pino.levels.values[b]!)[0] ?? 'silent';
  const now = options.now;
  const logger = pino(
    { level: lowest, base: undefined, ...(now ? { timestamp: () => `,"time":${Math.round(now())}` } : {}) },
    pino.multistream(streams),
  );
  return { logger, file, flush: () => file?.flush() };
}

/** A logger that drops everything, for tests that do not look at logs. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
