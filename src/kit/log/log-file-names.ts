// The JSON log's file names and when it rolls, without touching a disk: `logs/hv-server.log` is
// written as `logs/hv-server.<yyyy-MM-dd>.<n>.log` (the local date, n from 1 each day, one more at
// each roll by size), and a new day starts at local midnight. The names are those pino-roll gave,
// so the files of a server that used it are found, continued and deleted as before.

import { basename, dirname, join } from 'node:path';

/** `dir/hv-server.log` taken apart: where the files go, their stem (`hv-server`) and extension (`log`). */
export interface LogFileBase {
  dir: string;
  stem: string;
  extension: string;
}

export function logFileBase(path: string): LogFileBase {
  const name = basename(path);
  const dot = name.lastIndexOf('.');
  // No extension (or a name that is only one, like `.log`): the files are `<name>.<date>.<n>.log`.
  if (dot <= 0) return { dir: dirname(path), stem: name, extension: 'log' };
  return { dir: dirname(path), stem: name.slice(0, dot), extension: name.slice(dot + 1) };
}

const two = (n: number) => String(n).padStart(2, '0');

/** The local date of `ms` as the file names spell it: yyyy-MM-dd. */
export function logDay(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())}`;
}

/** The next local midnight after `ms`, when a new day's file begins. */
export function nextMidnight(ms: number): number {
  const d = new Date(ms);
  return new Date(d.getFullYear(), d.getMonth(), d.getDate() + 1).getTime();
}

export function logFileName(base: LogFileBase, day: string, number: number): string {
  return join(base.dir, `${base.stem}.${day}.${number}.${base.extension}`);
}

/** A log file of this base, by its name alone: its day and number; null for any other file. */
export function parseLogFileName(base: LogFileBase, name: string): { day: string; number: number } | null {
  const prefix = `${base.stem}.`;
  const suffix = `.${base.extension}`;
  if (!name.startsWith(prefix) || !name.endsWith(suffix)) return null;
  const match = /^(\d{4})-(\d\d)-(\d\d)\.(\d+)$/.exec(name.slice(prefix.length, name.length - suffix.length));
  if (!match) return null;
  const [, year, month, date, number] = match;
  // A date that does not exist (2026-02-30) is some other file.
  const d = new Date(Number(year), Number(month) - 1, Number(date));
  if (d.getFullYear() !== Number(year) || d.getMonth() !== Number(month) - 1 || d.getDate() !== Number(date)) return null;
  return { day: `${year}-${month}-${date}`, number: Number(number) };
}

/** The number to write today's lines under: the highest of today's files already there (appended to), else 1. */
export function todaysNumber(base: LogFileBase, names: readonly string[], day: string): number {
  let highest = 1;
  for (const name of names) {
    const file = parseLogFileName(base, name);
    if (file && file.day === day) highest = Math.max(highest, file.number);
  }
  return highest;
}

/**
 * The files to delete so that `retain` older files stay besides the present one: the oldest by day,
 * then by number. Files of earlier runs count too; files that are not this log's are never touched.
 */
export function filesBeyondRetained(base: LogFileBase, names: readonly string[], present: string, retain: number): string[] {
  const older = names
    .filter((name) => name !== present)
    .map((name) => ({ name, file: parseLogFileName(base, name) }))
    .filter((entry): entry is { name: string; file: { day: string; number: number } } => entry.file !== null)
    .sort((a, b) => (a.file.day === b.file.day ? a.file.number - b.file.number : a.file.day < b.file.day ? -1 : 1));
  return older.slice(0, Math.max(0, older.length - retain)).map((entry) => entry.name);
}
