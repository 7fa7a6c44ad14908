// The readings and setpoints of a time range, read back from the daily TSV files (the operator
// page's plots), and the days the files hold (its day picker).

import { open, readdir } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import type { ReadingsLog } from '../../kit/storage/readings-log.js';
import { setpointSeries, toleranceSeries } from '../storage/setpoint-log.js';

const MAX_POINTS = 20_000;
/** A day's file is about 0.75 MB (a row of ~35 bytes every 4 s); more than this is not a readings file. */
export const MAX_DAY_FILE_BYTES = 16 * 1024 * 1024;

/** The text of one day's file, at most MAX_DAY_FILE_BYTES of it; null when there is no regular file. */
async function readDayText(path: string): Promise<string | null> {
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

/** How far back the setpoint in force at the start of a range is looked for. */
const SETPOINT_LOOKBACK_DAYS = 62;

type Point = [number, number];

/** Local midnight of the day `at` falls in, `days` later (the files roll at local midnight). */
function dayStart(at: number, days = 0): number {
  const d = new Date(at);
  return new Date(d.getFullYear(), d.getMonth(), d.getDate() + days).getTime();
}

/** Every row of one day's file, in order; none when there is no file. */
async function readDay(log: ReadingsLog, series: string, day: number): Promise<Point[]> {
  const text = await readDayText(log.pathFor(series, day));
  if (text === null) return []; // no readings that day
  const date = new Date(day);
  const points: Point[] = [];
  for (const line of text.split('\n').slice(1)) {
    const m = /^(\d\d):(\d\d):(\d\d)\.(\d{6})\t(\S+)$/.exec(line);
    if (!m) continue;
    const at = new Date(date.getFullYear(), date.getMonth(), date.getDate(), Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4]) / 1000).getTime();
    const volts = Number(m[5]);
    if (Number.isFinite(volts)) points.push([at, volts]);
  }
  return points;
}

async function readRange(log: ReadingsLog, series: string, from: number, to: number): Promise<Point[]> {
  const points: Point[] = [];
  for (let day = dayStart(from); day <= to; day = dayStart(day, 1)) {
    for (const p of await readDay(log, series, day)) if (p[0] >= from && p[0] <= to) points.push(p);
  }
  return points;
}

/** The last row before `at`, looking back day by day; null when there is none that recent. */
async function lastBefore(log: ReadingsLog, series: string, at: number): Promise<Point | null> {
  for (let back = 0, day = dayStart(at); back < SETPOINT_LOOKBACK_DAYS; back++, day = dayStart(day, -1)) {
    const rows = (await readDay(log, series, day)).filter((p) => p[0] < at);
    if (rows.length > 0) return rows.at(-1)!;
  }
  return null;
}

/** [clock ms, volts] of `series` between `from` and `to` (at most MAX_POINTS, evenly thinned). */
export async function readHistory(log: ReadingsLog, series: string, from: number, to: number): Promise<Point[]> {
  const points = await readRange(log, series, from, to);
  if (points.length <= MAX_POINTS) return points;
  const every = Math.ceil(points.length / MAX_POINTS);
  return points.filter((_, i) => i % every === 0);
}

/**
 * A block's setpoint changes as [clock ms, volts, tolerance volts or null]: the one in force at
 * `from` first (stamped when it was set, before `from`), then each change up to `to`.
 */
export async function readSetpoints(log: ReadingsLog, block: number, from: number, to: number): Promise<[number, number, number | null][]> {
  const [spBefore, tolBefore, sps, tols] = await Promise.all([
    lastBefore(log, setpointSeries(block), from),
    lastBefore(log, toleranceSeries(block), from),
    readRange(log, setpointSeries(block), from, to),
    readRange(log, toleranceSeries(block), from, to),
  ]);
  const setpoints = spBefore ? [spBefore, ...sps] : sps;
  const tolerances = tolBefore ? [tolBefore, ...tols] : tols;
  // Each setpoint with the tolerance in force when it was set (written in the same instant).
  let t = -1;
  return setpoints.map(([at, volts]) => {
    while (t + 1 < tolerances.length && tolerances[t + 1]![0] <= at) t++;
    return [at, volts, t >= 0 ? tolerances[t]![1] : null];
  });
}

/** The days (yyyy-mm-dd, oldest first) `series` has a file for. */
export async function historyDays(log: ReadingsLog, series: string): Promise<string[]> {
  const sample = log.pathFor(series, 0);
  const suffix = basename(sample).slice('yy-mm-dd'.length); // ".tsv" or "-virtual.tsv"
  let names: string[];
  try {
    names = await readdir(dirname(sample));
  } catch {
    return [];
  }
  const days: string[] = [];
  for (const name of names) {
    const m = /^(\d\d)-(\d\d)-(\d\d)(.*)$/.exec(name);
    if (m && m[4] === suffix) days.push(`20${m[1]}-${m[2]}-${m[3]}`);
  }
  return days.sort();
}

/** From and to (clock ms) of a local day given as yyyy-mm-dd; null when it is not one. */
export function dayRange(day: string): { from: number; to: number } | null {
  const m = /^(\d{4})-(\d\d)-(\d\d)$/.exec(day);
  if (!m) return null;
  const from = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3])).getTime();
  const check = new Date(from);
  if (check.getDate() !== Number(m[3]) || check.getMonth() !== Number(m[2]) - 1) return null;
  return { from, to: dayStart(from, 1) - 1 };
}
