// The alarm table: raised and cleared once each, in the log and to listeners; a changed sentence
// keeps when the alarm began; the most severe first.
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { AlarmTable, type Alarm } from '../../src/kit/alarms/alarm-table.js';
import { createLogger } from '../../src/kit/log/logger.js';

async function table() {
  let now = 1000;
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n')) if (line.trim()) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const { logger } = await createLogger({ consoleLevel: 'debug', fileLevel: 'silent', pretty: false, console: sink, now: () => now });
  const alarms = new AlarmTable(logger, () => now);
  const changes: string[] = [];
  alarms.onChange((change, a) => changes.push(`${change} ${a.code}`));
  return { alarms, lines, changes, tick: (ms: number) => (now += ms) };
}

const raw = (code: string, severity: Alarm['severity'] = 'MAJOR', message = `${code} happened`): Omit<Alarm, 'since'> => ({
  source: 'block-1',
  instrument: 'sim::calibrator',
  code,
  severity,
  status: 'LOLO',
  message,
  value: 0.2,
});

describe('alarm table', () => {
  it('logs a raise and a clear once each, however often the same alarm is shown', async () => {
    const t = await table();
    t.alarms.update([raw('NO_OUTPUT')]);
    t.tick(4000);
    t.alarms.update([raw('NO_OUTPUT', 'MAJOR', 'still no output')]);
    t.alarms.update([raw('NO_OUTPUT')]);
    expect(t.alarms.list()).toMatchObject([{ code: 'NO_OUTPUT', since: 1000 }]);
    t.alarms.update([]);
    t.alarms.update([]);
    // The newer sentence is an update (the alarm book shows it), not a second raise.
    expect(t.changes).toEqual(['raised NO_OUTPUT', 'updated NO_OUTPUT', 'updated NO_OUTPUT', 'cleared NO_OUTPUT']);
    const logged = t.lines.map((l) => String(l.msg));
    expect(logged).toEqual(['alarm raised: block-1 NO_OUTPUT (MAJOR): NO_OUTPUT happened', 'alarm cleared: block-1 NO_OUTPUT']);
    expect(t.lines[0]).toMatchObject({ level: 50, alarm: { code: 'NO_OUTPUT', severity: 'MAJOR', status: 'LOLO', value: 0.2, since: 1000 } });
    expect(t.lines[1]).toMatchObject({ level: 30, lasted_ms: 4000 });
  });

  it('lists the most severe first, then the oldest', async () => {
    const t = await table();
    t.alarms.update([raw('READING_OUTLIER', 'MINOR')]);
    t.tick(1);
    t.alarms.update([raw('READING_OUTLIER', 'MINOR'), raw('DEVICE_FAULT', 'MAJOR'), { ...raw('OUT_OF_SERVICE', 'INVALID'), source: 'voltmeter-gun' }]);
    expect(t.alarms.list().map((a) => a.code)).toEqual(['OUT_OF_SERVICE', 'DEVICE_FAULT', 'READING_OUTLIER']);
    expect(t.lines.find((l) => String(l.msg).includes('READING_OUTLIER'))).toMatchObject({ level: 40 });
  });

  it('keeps an alarm raised by a source that is no actor (storage) through the actors\' updates, until it is cleared', async () => {
    const t = await table();
    const storage = { source: 'readings-log', instrument: null, code: 'STORAGE_FAULT', severity: 'MAJOR', status: 'WRITE', message: 'disk full', value: 0 } as const;
    t.alarms.raise(storage);
    t.alarms.update([raw('NO_OUTPUT')]);
    t.alarms.update([]);
    t.tick(1000);
    t.alarms.raise({ ...storage, message: 'disk still full', value: 3 });
    expect(t.alarms.list()).toEqual([{ ...storage, message: 'disk still full', value: 3, since: 1000 }]);
    t.alarms.clear('readings-log', 'STORAGE_FAULT');
    t.alarms.clear('readings-log', 'STORAGE_FAULT');
    expect(t.alarms.list()).toEqual([]);
    expect(t.changes).toEqual(['raised STORAGE_FAULT', 'raised NO_OUTPUT', 'cleared NO_OUTPUT', 'updated STORAGE_FAULT', 'cleared STORAGE_FAULT']);
    expect(t.lines.map((l) => String(l.msg))).toContain('alarm raised: readings-log STORAGE_FAULT (MAJOR): disk full');
  });
});
