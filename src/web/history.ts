// The readings of a time range, read back from the daily TSV files (for the plot's first hour).

import { readFile } from 'node:fs/promises';
import type { ReadingsLog } from '../storage/readings-log.js';

const DAY_MS = 24 * 3600_000;
const MAX_POINTS = 20_000;

/** [clock ms, volts] of `series` between `from` and `to` (at most MAX_POINTS, evenly thinned). */
export async function readHistory(log: ReadingsLog, series: string, from: number, to: number): Promise<[number, number][]> {
  const points: [number, number][] = [];
  for (let day = new Date(from).setHours(0, 0, 0, 0); day <= to; day += DAY_MS) {
    let text: string;
    try {
      text = await readFile(log.pathFor(series, day), 'utf8');
    } catch {
      continue; // no readings that day
    }
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
