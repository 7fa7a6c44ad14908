// A disk that refuses the readings (here: the day's file is a link to /dev/full, which answers
// every write with ENOSPC) loses none of them while it lasts: they wait in memory in order, up to
// a bound beyond which they are counted as dropped, and reach the file once it takes them again.
import { lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/kit/clock/clock.js';
import { ReadingsLog } from '../../src/kit/storage/readings-log.js';
import type { StorageHealth } from '../../src/kit/storage/storage-health.js';

function watched() {
  const events: { kind: 'failing' | 'recovered'; message: string; value: number | null }[] = [];
  const health: StorageHealth = {
    failing: (message, value) => events.push({ kind: 'failing', message, value }),
    recovered: (message) => events.push({ kind: 'recovered', message, value: null }),
  };
  return { events, health, last: () => events.at(-1) };
}

/** A readings log whose HV file for the clock's day is /dev/full until `repair()`. */
function fullDisk(backlogRows?: number) {
  const dataDir = mkdtempSync(join(tmpdir(), 'hv-backlog-'));
  const clock = new ManualClock(new Date(2026, 10, 23, 12, 0, 0).getTime());
  const h = watched();
  const log = new ReadingsLog({ column: 'HV', dataDir, virtual: true, clock, retryMs: 30_000, health: h.health, ...(backlogRows === undefined ? {} : { backlogRows }) });
  const path = log.pathFor('HV', clock.now());
  mkdirSync(join(dataDir, 'HV'));
  symlinkSync('/dev/full', path);
  return { dataDir, clock, log, path, ...h, repair: () => rmSync(path) };
}

describe('readings log on a disk that refuses writes', () => {
  it('keeps the readings in memory in order, raises a fault, and writes them all once the disk takes them (on the clock)', async () => {
    const t = fullDisk();
    const at = (i: number) => t.clock.now() + i * 4000;
    for (let i = 0; i < 5; i++) await t.log.append('HV', at(i), 18600 + i / 1000);
    expect(t.log.backlogRows).toBe(5);
    expect(t.log.rowsWritten).toBe(0);
    expect(t.last()).toMatchObject({ kind: 'failing', value: 0 });
    expect(t.last()!.message).toBe(
      `readings could not be written to ${t.path} (ENOSPC: no space left on device); expected a data directory this user can write, with free space; ` +
        '5 readings wait in memory (at most 200000) to be written when it can, 0 dropped',
    );

    t.repair();
    // No new reading: the retry on the clock writes them.
    await t.clock.advance(30_000);
    await t.log.flush();
    expect(t.log.backlogRows).toBe(0);
    expect(readFileSync(t.path, 'utf8')).toBe(
      'timestamp\tHV\n12:00:00.000000\t18600\n12:00:04.000000\t18600.001\n12:00:08.000000\t18600.002\n12:00:12.000000\t18600.003\n12:00:16.000000\t18600.004\n',
    );
    expect(t.last()).toEqual({ kind: 'recovered', message: 'readings log writes again: the readings kept in memory are in the files (5 written since the fault began), 0 were dropped', value: null });
    expect(t.clock.pendingTimers).toBe(0);
    await t.log.close();
    rmSync(t.dataDir, { recursive: true });
  });

  it('retries on the next reading too, and a reading for another series is not held up by the full file', async () => {
    const t = fullDisk();
    await t.log.append('HV', t.clock.now(), 1);
    await t.log.append('GUN', t.clock.now(), 18000);
    expect(t.log.backlogRows).toBe(1);
    expect(readFileSync(t.log.pathFor('GUN', t.clock.now()), 'utf8')).toBe('timestamp\tHV\n12:00:00.000000\t18000\n');
    t.repair();
    await t.log.append('HV', t.clock.now() + 4000, 2);
    expect(readFileSync(t.path, 'utf8')).toBe('timestamp\tHV\n12:00:00.000000\t1\n12:00:04.000000\t2\n');
    expect(t.events.map((e) => e.kind)).toEqual(['failing', 'failing', 'recovered']);
    await t.log.close();
  });

  it('keeps at most backlogRows readings, counts the ones dropped beyond, and says so in the fault and the summary', async () => {
    const t = fullDisk(3);
    for (let i = 0; i < 7; i++) await t.log.append('HV', t.clock.now() + i * 4000, i);
    expect(t.log.backlogRows).toBe(3);
    expect(t.log.droppedRows).toBe(4);
    expect(t.last()).toMatchObject({ kind: 'failing', value: 4 });
    expect(t.last()!.message).toMatch(/3 readings wait in memory \(at most 3\) to be written when it can, 4 dropped$/);
    t.repair();
    await t.clock.advance(30_000);
    await t.log.flush();
    // The oldest are kept: they join on to what the file already had.
    expect(readFileSync(t.path, 'utf8')).toBe('timestamp\tHV\n12:00:00.000000\t0\n12:00:04.000000\t1\n12:00:08.000000\t2\n');
    expect(t.last()!.message).toBe('readings log writes again: the readings kept in memory are in the files (3 written since the fault began), 4 were dropped');
    await t.log.close();
  });

  it('tries once more at close and then gives up without waiting: a shutdown on a full disk does not hang', async () => {
    const t = fullDisk();
    await t.log.append('HV', t.clock.now(), 1);
    await t.log.close();
    expect(t.log.backlogRows).toBe(1);
    expect(t.log.writeFailures).toBe(2);
    expect(t.clock.pendingTimers).toBe(0);
    expect(lstatSync(t.path).isSymbolicLink()).toBe(true);
  });
});
