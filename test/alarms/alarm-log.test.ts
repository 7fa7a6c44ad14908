// The recent alarm changes a page opened later can show: raised at its `since`, cleared when it
// cleared, oldest first, bounded.
import { describe, expect, it } from 'vitest';
import { AlarmLog } from '../../src/kit/alarms/alarm-log.js';
import type { Alarm } from '../../src/kit/alarms/alarm-table.js';

const alarm = (code: string, since: number): Alarm => ({ source: 'block-1', instrument: null, code, severity: 'MAJOR', status: 'LOLO', message: code, value: null, since });

describe('alarm log', () => {
  it('keeps raises and clears in order, the newest within its capacity', () => {
    let now = 100;
    const log = new AlarmLog(3, () => now);
    log.add('raised', alarm('A', 90));
    now = 200;
    log.add('cleared', alarm('A', 90));
    log.add('raised', alarm('B', 210));
    log.add('raised', alarm('C', 220));
    expect(log.list().map((e) => [e.change, e.alarm.code, e.at])).toEqual([
      ['cleared', 'A', 200],
      ['raised', 'B', 210],
      ['raised', 'C', 220],
    ]);
  });
});
