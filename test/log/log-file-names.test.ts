// The JSON log's names and days (src/kit/log/log-file-names.ts), and the rolling stream continuing
// today's highest file when a server starts again the same day (src/kit/log/rolling-file.ts).
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { filesBeyondRetained, logDay, logFileBase, logFileName, nextMidnight, parseLogFileName, todaysNumber } from '../../src/kit/log/log-file-names.js';
import { openRollingFile } from '../../src/kit/log/rolling-file.js';

const base = logFileBase('/var/lib/hv-server/logs/hv-server.log');

describe('log file names', () => {
  it('spells the day and number as pino-roll did: hv-server.<yyyy-MM-dd>.<n>.log', () => {
    expect(base).toEqual({ dir: '/var/lib/hv-server/logs', stem: 'hv-server', extension: 'log' });
    expect(logFileBase('logs/journal')).toEqual({ dir: 'logs', stem: 'journal', extension: 'log' });
    const march2 = new Date(2026, 2, 2, 23, 59, 59, 999).getTime();
    expect(logDay(march2)).toBe('2026-03-02');
    expect(logFileName(base, logDay(march2), 7)).toBe('/var/lib/hv-server/logs/hv-server.2026-03-02.7.log');
  });

  it('starts a new day at the next local midnight, also at the end of a month and a year', () => {
    expect(nextMidnight(new Date(2026, 2, 2, 13, 0).getTime())).toBe(new Date(2026, 2, 3).getTime());
    expect(nextMidnight(new Date(2026, 2, 3).getTime())).toBe(new Date(2026, 2, 4).getTime());
    expect(nextMidnight(new Date(2026, 1, 28, 12).getTime())).toBe(new Date(2026, 2, 1).getTime());
    expect(nextMidnight(new Date(2026, 11, 31, 23, 59).getTime())).toBe(new Date(2027, 0, 1).getTime());
  });

  it('knows its own files by name and nothing else', () => {
    expect(parseLogFileName(base, 'hv-server.2026-03-02.12.log')).toEqual({ day: '2026-03-02', number: 12 });
    for (const other of ['current.log', 'hv-server.log', 'hv-server.2026-03-02.log', 'hv-server.2026-02-30.1.log', 'hv-server.2026-03-02.1.txt', 'hv-sim.2026-03-02.1.log', 'hv-server.2026-03-02.x.log']) {
      expect(parseLogFileName(base, other)).toBeNull();
    }
  });

  it('continues today’s highest file, or begins at 1', () => {
    const names = ['hv-server.2026-03-01.9.log', 'hv-server.2026-03-02.2.log', 'hv-server.2026-03-02.10.log', 'current.log', 'notes.txt'];
    expect(todaysNumber(base, names, '2026-03-02')).toBe(10);
    expect(todaysNumber(base, names, '2026-03-03')).toBe(1);
  });

  it('deletes the oldest beyond the count kept besides the present file, by day and then by number, and never another file', () => {
    const names = ['hv-server.2026-03-02.10.log', 'current.log', 'hv-server.2026-03-01.9.log', 'hv-server.2026-03-02.2.log', 'hv-server.2026-02-28.1.log', 'notes.txt', 'hv-server.2026-03-02.11.log'];
    expect(filesBeyondRetained(base, names, 'hv-server.2026-03-02.11.log', 2)).toEqual(['hv-server.2026-02-28.1.log', 'hv-server.2026-03-01.9.log']);
    expect(filesBeyondRetained(base, names, 'hv-server.2026-03-02.11.log', 10)).toEqual([]);
  });
});

describe('rolling file', () => {
  it('appends to today’s highest file when a server starts again the same day, and links current.log to it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hv-rolling-'));
    const day = logDay(Date.now());
    writeFileSync(join(dir, `hv-server.${day}.3.log`), '{"msg":"before the restart"}\n');
    writeFileSync(join(dir, `hv-server.${day}.1.log`), '{"msg":"older"}\n');
    const stream = await openRollingFile({ path: join(dir, 'hv-server.log'), sizeBytes: 1024 * 1024, retainFiles: 5, symlink: true, maxLength: 1024 * 1024, maxWriteRetries: 10 });
    await new Promise((resolve) => stream.once('ready', resolve));
    expect(stream.file).toBe(join(dir, `hv-server.${day}.3.log`));
    stream.write('{"msg":"after the restart"}\n');
    // The write lands on its own time; the bound (real time) only catches one that never comes.
    await vi.waitFor(() => expect(readFileSync(join(dir, 'current.log'), 'utf8')).toBe('{"msg":"before the restart"}\n{"msg":"after the restart"}\n'), { timeout: 5000, interval: 5 });
    stream.end();
  });
});
