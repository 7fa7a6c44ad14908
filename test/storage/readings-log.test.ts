// Daily TSV files: header once, one row per reading in order, rolled at local midnight, appended across restarts.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dayName, ReadingsLog, timeOfDay } from '../../src/kit/storage/readings-log.js';

describe('readings log', () => {
  it('formats days and times as PROTOCOL.md §6 says', () => {
    const at = new Date(2026, 10, 23, 9, 5, 7, 123).getTime();
    expect(dayName(at)).toBe('26-11-23');
    expect(timeOfDay(at)).toBe('09:05:07.123000');
    expect(timeOfDay(at + 0.5)).toBe('09:05:07.123500');
  });

  it('writes a header once, rows in order, rolls at midnight, and appends after a restart', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'hv-tsv-'));
    const beforeMidnight = new Date(2026, 10, 23, 23, 59, 58).getTime();
    const log = new ReadingsLog({ column: 'HV', dataDir, virtual: true });
    void log.append('HV', beforeMidnight, 18600.012);
    void log.append('HV', beforeMidnight + 1000, 18600.021);
    void log.append('HV', beforeMidnight + 4020, 18599.998);
    await log.close();
    const again = new ReadingsLog({ column: 'HV', dataDir, virtual: true });
    await again.append('HV', beforeMidnight + 8040, 18600.005);
    await again.close();
    expect(readFileSync(join(dataDir, 'HV', '26-11-23-virtual.tsv'), 'utf8')).toBe(
      'timestamp\tHV\n23:59:58.000000\t18600.012\n23:59:59.000000\t18600.021\n',
    );
    expect(readFileSync(join(dataDir, 'HV', '26-11-24-virtual.tsv'), 'utf8')).toBe(
      'timestamp\tHV\n00:00:02.020000\t18599.998\n00:00:06.040000\t18600.005\n',
    );
    expect(again.rowsWritten).toBe(1);
  });

  it('names real-rack files without the -virtual suffix', () => {
    const log = new ReadingsLog({ column: 'HV', dataDir: '/data', virtual: false });
    expect(log.pathFor('HV', new Date(2026, 0, 2).getTime())).toBe('/data/HV/26-01-02.tsv');
  });

  it('reports a row it cannot write instead of throwing, and keeps it', async () => {
    const failing: string[] = [];
    const notADirectory = join(mkdtempSync(join(tmpdir(), 'hv-tsv-')), 'file');
    writeFileSync(notADirectory, '');
    const log = new ReadingsLog({ column: 'HV', dataDir: notADirectory, virtual: true, health: { failing: (m) => failing.push(m), recovered: () => {} } });
    await log.append('HV', Date.now(), 1);
    expect(log.writeFailures).toBe(1);
    expect(log.backlogRows).toBe(1);
    expect(failing[0]).toMatch(/^readings could not be written to .*file\/HV\/.*\.tsv \(ENOTDIR: not a directory\); expected a data directory/);
  });
});
