// The readings of a time range, read back from the daily TSV files (for the plot's first hour).

import { open } from 'node:fs/promises';
import type { ReadingsLog } from '../storage/readings-log.js';

const DAY_MS = 24 * 3600_000;
const MAX_POINTS = 20_000;
/** A day's file is about 0.75 MB (a row of ~35 bytes every 4 s); more than this is not a readings file. */
export const MAX_DAY_FILE_BYTES = 16 * 1024 * 1024;

/** The text of one day's file, at most MAX_DAY_FILE_BYTES of it; null when there is no regular file. */
async function readDay(path: string): Promise<string | null> {
  let file;
  try {
    file = await open(path, 'r');
  } catch {
    return null; // no readings that day
  }
  try {
    // A device or a pipe in its place (a symlink to /dev/zero) would be read without end.
    const stat = await file.stat();
    if (!stat.isFile()) return null;
    const buffer = Buffer.alloc(Math.min(stat.size, MAX_DAY_FILE_BYTES));
    const { bytesRead } = await file.read(buffer, 0, buffer.length, 0);
    return buffer.subarray(0, bytesRead).toString('utf8');
  } finally {
    await file.close();
  }
}

/** [clock ms, volts] of `series` between `from` and `to` (at most MAX_POINTS, evenly thinned). */
export async function readHistory(log: ReadingsLog, series: string, from: number, to: number): Promise<[number, number][]> {
  const points: [number, number][] = [];
  for (let day = new Date(from).setHours(0, 0, 0, 0); day <= to; day += DAY_MS) {
    const text = await readDay(log.pathFor(series, day));
    if (text === null) continue;
    const date = new Date(day);
    for (const line of text.split('\n').slice(1)) {
      const m = /^(\d\d):(\d\d):(\d\d)\.(\d{6})\t(\S+)$/.exec(line);
      if (!m) continue;
      const at = new Date(date.getFullYear(), date.getMonth(), date.getDate(), Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4]) / 1000).getTime();
      const volts = Number(m[5]);
      if (at >= from && at <= to && Number.isFinite(volts)) points.push([at, volts]);
    }
  }
  if (points.length <= MAX_POINTS) return points;
  const every = Math.ceil(points.length / MAX_POINTS);
  return points.filter((_, i) => i % every === 0);
}
