// Rows coalesced on the clock (a simulated day run as fast as the machine allows): they wait up to
// `coalesceMs`, go to the disk in one write, and flush and close write them at once.
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DiscreteEventClock } from '../../src/kit/clock/discrete-event-clock.js';
import { ReadingsLog } from '../../src/kit/storage/readings-log.js';

describe('readings log with coalesced writes', () => {
  it('holds rows until the coalescing time has passed on the clock, then writes them together; close writes what waits', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'hv-tsv-coalesce-'));
    const start = new Date(2026, 2, 2, 0, 0, 0).getTime();
    const clock = new DiscreteEventClock(start);
    const log = new ReadingsLog({ column: 'HV', dataDir, virtual: true, clock, coalesceMs: 60_000 });
    const file = join(dataDir, 'HV', '26-03-02-virtual.tsv');
    let written = false;
    void log.append('HV', start + 1000, 1.5).then(() => (written = true));
    void log.append('HV', start + 5020, 1.25);
    await clock.runUntil(start + 59_000);
    expect(existsSync(file)).toBe(false);
    expect(written).toBe(false);
    await clock.runUntil(start + 61_000);
    await log.flush();
    expect(written).toBe(true);
    expect(readFileSync(file, 'utf8')).toBe('timestamp\tHV\n00:00:01.000000\t1.5\n00:00:05.020000\t1.25\n');
    void log.append('HV', start + 70_000, 2);
    await log.close();
    expect(readFileSync(file, 'utf8')).toBe('timestamp\tHV\n00:00:01.000000\t1.5\n00:00:05.020000\t1.25\n00:01:10.000000\t2\n');
    expect(log.rowsWritten).toBe(3);
    expect(clock.pendingTimers).toBe(0);
  });
});
