// The setpoint history: a row per change of setpoint or tolerance, in the readings log's daily
// files, read back with the setpoint in force at the start of a range, even days before it.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ReadingsLog } from '../../src/kit/storage/readings-log.js';
import { SetpointLog, type SetpointChange } from '../../src/hv/storage/setpoint-log.js';
import { historyDays, readSetpoints } from '../../src/hv/web/history.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function setup() {
  const dataDir = mkdtempSync(join(tmpdir(), 'hv-setpoints-'));
  dirs.push(dataDir);
  const log = new ReadingsLog({ column: 'HV', dataDir, virtual: true });
  const told: SetpointChange[] = [];
  return { dataDir, log, setpoints: new SetpointLog(log, (c) => told.push(c)), told };
}

describe('setpoint log', () => {
  it('writes a change once, keeps the tolerance of the last checked command, and tells the pages', async () => {
    const { dataDir, log, setpoints, told } = setup();
    const t0 = new Date(2026, 10, 23, 12, 0, 0).getTime();
    setpoints.observe(1, null, null, t0); // not known yet: nothing
    setpoints.observe(1, 1.26, null, t0 + 1);
    setpoints.observe(1, 1.26, null, t0 + 2); // the same snapshot again
    setpoints.observe(1, 18600, 0.1, t0 + 1000);
    setpoints.observe(1, 18550, null, t0 + 2000); // a set_voltage: the band stays
    setpoints.observe(1, 18550, 0.03, t0 + 3000); // the same voltage, checked closer
    await log.close();
    expect(told.map((c) => [c.setpoint, c.tolerance])).toEqual([
      [1.26, null],
      [18600, 0.1],
      [18550, 0.1],
      [18550, 0.03],
    ]);
    expect(readFileSync(join(dataDir, 'setpoint-1', '26-11-23-virtual.tsv'), 'utf8')).toBe(
      'timestamp\tHV\n12:00:00.001000\t1.26\n12:00:01.000000\t18600\n12:00:02.000000\t18550\n12:00:03.000000\t18550\n',
    );
    expect(readFileSync(join(dataDir, 'tolerance-1', '26-11-23-virtual.tsv'), 'utf8')).toBe('timestamp\tHV\n12:00:01.000000\t0.1\n12:00:03.000000\t0.03\n');
    expect(setpoints.current()).toEqual([{ block: 1, at: t0 + 3000, setpoint: 18550, tolerance: 0.03 }]);
  });

  it('reads back the setpoint in force at the start of a range (set days before), then each change with its tolerance', async () => {
    const { log, setpoints } = setup();
    const day = (d: number, h: number) => new Date(2026, 10, d, h, 0, 0).getTime();
    setpoints.observe(1, 18600, 0.1, day(20, 9));
    setpoints.observe(1, 18500, null, day(23, 10));
    setpoints.observe(1, 18400, 0.05, day(23, 11));
    setpoints.observe(2, 300, 0.5, day(23, 11));
    await log.flush();
    expect(await readSetpoints(log, 1, day(23, 8), day(23, 12))).toEqual([
      [day(20, 9), 18600, 0.1],
      [day(23, 10), 18500, 0.1],
      [day(23, 11), 18400, 0.05],
    ]);
    expect(await readSetpoints(log, 1, day(23, 10) + 1, day(23, 10) + 2)).toEqual([[day(23, 10), 18500, 0.1]]);
    expect(await readSetpoints(log, 3, day(23, 8), day(23, 12))).toEqual([]);
    expect(await historyDays(log, 'setpoint-1')).toEqual(['2026-11-20', '2026-11-23']);
    expect(await historyDays(log, 'HV')).toEqual([]);
    await log.close();
  });
});
