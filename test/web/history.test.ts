// The plot's history is read back from the TSV files: whatever sits in their place (a device, a
// file far larger than a day of readings) is read boundedly, never without end.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ReadingsLog } from '../../src/kit/storage/readings-log.js';
import { MAX_DAY_FILE_BYTES, readHistory } from '../../src/hv/web/history.js';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

function logIn(): ReadingsLog {
  const dir = mkdtempSync(join(tmpdir(), 'hv-history-'));
  dirs.push(dir);
  mkdirSync(join(dir, 'HV'));
  return new ReadingsLog({ column: 'HV', dataDir: dir, virtual: false });
}

const noon = new Date(2026, 10, 23, 12, 0, 0).getTime();

describe('reading history back', () => {
  it('reads the rows of the range', async () => {
    const log = logIn();
    writeFileSync(log.pathFor('HV', noon), 'timestamp\tHV\n11:59:58.000000\t1000.5\n12:00:02.000000\t1000.6\nnot a row\n');
    expect(await readHistory(log, 'HV', noon - 3000, noon + 3000)).toEqual([
      [noon - 2000, 1000.5],
      [noon + 2000, 1000.6],
    ]);
  });

  it('skips a device in a file’s place (a symlink to /dev/zero would be read forever)', async () => {
    const log = logIn();
    symlinkSync('/dev/zero', log.pathFor('HV', noon));
    expect(await readHistory(log, 'HV', noon - 3600_000, noon)).toEqual([]);
  });

  it('reads no more than MAX_DAY_FILE_BYTES of a file however large', async () => {
    const log = logIn();
    const row = '12:00:00.000000\t1000.5\n';
    const rows = Math.ceil((MAX_DAY_FILE_BYTES * 1.5) / row.length);
    writeFileSync(log.pathFor('HV', noon), 'timestamp\tHV\n' + row.repeat(rows));
    const points = await readHistory(log, 'HV', noon - 1000, noon + 1000);
    expect(points.length).toBeGreaterThan(0);
    expect(points.length).toBeLessThanOrEqual(20_000);
  });
});
