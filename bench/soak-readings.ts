// The readings the server logged: every `<series>/yy-mm-dd-virtual.tsv` of one server's data
// directory, read back in order. A row cut short by a full disk and glued to the next one is
// counted as torn, and the whole row at its end is still taken.

import { existsSync, lstatSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

export interface LoggedSeries {
  /** Volts of every well-formed row, in file order. */
  volts: number[];
  /** Lines that are neither the header nor a well-formed row (a write cut short). */
  torn: number;
  files: number;
  bytes: number;
}

const ROW = /^\d\d:\d\d:\d\d\.\d{6}\t(\S+)$/;
/** A well-formed row at the end of a line whose start is the remains of a torn one. */
const ROW_AT_END = /(\d\d:\d\d:\d\d\.\d{6})\t([-+0-9.eE]+)$/;

/** Parses one TSV text; exported for the tests. */
export function parseReadings(text: string, into: LoggedSeries = { volts: [], torn: 0, files: 0, bytes: 0 }): LoggedSeries {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  for (const line of lines) {
    if (line === 'timestamp\tHV') continue;
    const row = ROW.exec(line);
    const volts = row ? Number(row[1]) : NaN;
    if (row && Number.isFinite(volts)) {
      into.volts.push(volts);
      continue;
    }
    into.torn++;
    const tail = ROW_AT_END.exec(line);
    if (tail && tail.index > 0 && Number.isFinite(Number(tail[2]))) into.volts.push(Number(tail[2]));
  }
  return into;
}

/** Every series directory under `dataDir` with its rows, files in name (= date) order. */
export function readLoggedSeries(dataDir: string): Map<string, LoggedSeries> {
  const out = new Map<string, LoggedSeries>();
  if (!existsSync(dataDir)) return out;
  for (const dir of readdirSync(dataDir, { withFileTypes: true })) {
    if (!dir.isDirectory()) continue;
    const files = readdirSync(join(dataDir, dir.name)).filter((f) => /^\d\d-\d\d-\d\d(-virtual)?\.tsv$/.test(f)).sort();
    if (files.length === 0) continue;
    const series: LoggedSeries = { volts: [], torn: 0, files: files.length, bytes: 0 };
    for (const f of files) {
      const path = join(dataDir, dir.name, f);
      if (!lstatSync(path).isFile()) continue; // a symlink to /dev/full while the disk is "full"
      series.bytes += statSync(path).size;
      parseReadings(readFileSync(path, 'utf8'), series);
    }
    out.set(dir.name, series);
  }
  return out;
}

/** Bytes of every file under `dir` whose path matches `pattern`. */
export function bytesUnder(dir: string, pattern: RegExp): number {
  if (!existsSync(dir)) return 0;
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    if (pattern.test(path)) total += statSync(path).size;
  }
  return total;
}
