// Structured logs (pino): readable lines on the console and JSON lines in a file, each with its own level.

import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import pino, { type DestinationStream, type Level, type Logger, type StreamEntry } from 'pino';
import pretty from 'pino-pretty';
import type { LogLevel } from '../../schemas/types.js';

export type { Logger } from 'pino';

export interface LoggerOptions {
  consoleLevel: LogLevel;
  fileLevel: LogLevel;
  /** JSON-lines log file; none when undefined. */
  file?: string;
  pretty: boolean;
  /** Where console lines go (stdout unless a test says otherwise). */
  console?: DestinationStream;
  /** Log times from the program's clock, so logs and readings agree when time runs scaled. */
  now?: () => number;
}

export interface LogHandle {
  logger: Logger;
  /** Writes out everything buffered; call before exit. */
  flush(): void;
}

export function createLogger(options: LoggerOptions): LogHandle {
  const streams: StreamEntry[] = [];
  if (options.consoleLevel !== 'silent') {
    const out = options.console ?? (options.pretty ? pretty({ colorize: process.stdout.isTTY, sync: true, singleLine: true, translateTime: 'SYS:yyyy-mm-dd HH:MM:ss.l', ignore: 'pid,hostname' }) : pino.destination({ fd: 1, sync: true }));
    streams.push({ level: options.consoleLevel as Level, stream: out });
  }
  let file: ReturnType<typeof pino.destination> | undefined;
  if (options.file && options.fileLevel !== 'silent') {
    mkdirSync(dirname(options.file), { recursive: true });
    // A bounded buffer: if the disk cannot keep up, lines are dropped (and counted) rather than
    // held in memory without limit.
    file = pino.destination({ dest: options.file, sync: false, mkdir: true, maxLength: 16 * 1024 * 1024 });
    streams.push({ level: options.fileLevel as Level, stream: file });
  }
  const levels = [options.consoleLevel, options.fileLevel].filter((l) => l !== 'silent') as Level[];
  const lowest = levels.sort((a, b) => pino.levels.values[a]! - pino.levels.values[b]!)[0] ?? 'silent';
  const now = options.now;
  const logger = pino(
    { level: lowest, base: undefined, ...(now ? { timestamp: () => `,"time":${Math.round(now())}` } : {}) },
    pino.multistream(streams),
  );
  return {
    logger,
    flush: () => {
      try {
        file?.flushSync();
      } catch {
        // Not open yet (a failure in the first milliseconds): nothing was buffered for it.
      }
    },
  };
}

/** A logger that drops everything, for tests that do not look at logs. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
