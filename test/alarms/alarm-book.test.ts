import { describe, expect, it } from 'vitest';
import { AlarmBook } from '../../src/kit/alarms/alarm-book.js';
import type { AlarmChange, AlarmEntry } from '../../src/kit/alarms/alarm-entry.js';
import type { Alarm } from '../../src/kit/alarms/alarm-table.js';
import { ManualClock } from '../../src/kit/clock/clock.js';

const T0 = Date.UTC(2026, 11, 7, 3, 0, 0);

function alarm(code: string, severity: Alarm['severity'] = 'MAJOR', source = 'block-1', since = T0): Alarm {
  return { source, instrument: null, code, severity, status: 'LOLO', message: `${code} happened`, value: null, since };
}

function book(restored: AlarmEntry[] = [], graceMs = 12_000) {
  const clock = new ManualClock(T0);
  const b = new AlarmBook({ clock, guidance: (code) => `check ${code}`, restored, restoreGraceMs: graceMs });
  const changes: string[] = [];
  b.onChange((c: AlarmChange) => changes.push(`${c.kind} ${c.alarm.code}`));
  return { clock, book: b, changes };
}

const ack = (at: number, note: string | null = null) => ({ by: 'Anna at 10.0.0.7', at, note });

describe('alarm book', () => {
  it('latches a cleared alarm until it is acknowledged, then lists it no more', async () => {
    const { book: b, clock, changes } = book();
    b.fromTable('raised', alarm('NO_OUTPUT'));
    await clock.advance(8000);
    b.fromTable('cleared', alarm('NO_OUTPUT'));
    const latched = b.get('block-1', 'NO_OUTPUT')!;
    expect(latched).toMatchObject({ active: false, acknowledged: false, cleared_at: T0 + 8000, guidance: 'check NO_OUTPUT' });
    expect(b.unacknowledgedBySeverity()).toEqual({ MINOR: 0, MAJOR: 1, INVALID: 0 });
    const done = b.acknowledge({ source: 'block-1', code: 'NO_OUTPUT' }, ack(clock.now(), 'supply door was open'));
    expect(done?.map((e) => e.acknowledgement?.note)).toEqual(['supply door was open']);
    expect(b.list()).toEqual([]);
    expect(changes).toEqual(['raised NO_OUTPUT', 'cleared NO_OUTPUT', 'acknowledged NO_OUTPUT', 'removed NO_OUTPUT']);
  });

  it('keeps an acknowledged active alarm listed until it clears, and unacknowledges it when it is raised again', async () => {
    const { book: b, clock } = book();
    b.fromTable('raised', alarm('DRIFT'));
    b.acknowledge({ all: true }, ack(clock.now()));
    expect(b.get('block-1', 'DRIFT')).toMatchObject({ active: true, acknowledged: true });
    await clock.advance(4000);
    b.fromTable('cleared', alarm('DRIFT'));
    expect(b.get('block-1', 'DRIFT')).toBeUndefined();
    b.fromTable('raised', alarm('DRIFT', 'MAJOR', 'block-1', clock.now()));
    expect(b.get('block-1', 'DRIFT')).toMatchObject({ active: true, acknowledged: false, acknowledgement: null, raised_count: 1 });
  });

  it('unacknowledges an alarm whose severity rises above what was acknowledged, and keeps the highest seen', async () => {
    const { book: b, clock, changes } = book();
    b.fromTable('raised', alarm('RATE_HIGH', 'MINOR'));
    b.acknowledge({ source: 'block-1', code: 'RATE_HIGH' }, ack(clock.now()));
    b.fromTable('updated', alarm('RATE_HIGH', 'MAJOR'));
    expect(b.get('block-1', 'RATE_HIGH')).toMatchObject({ acknowledged: false, highest_severity: 'MAJOR' });
    b.fromTable('updated', alarm('RATE_HIGH', 'MINOR'));
    expect(b.get('block-1', 'RATE_HIGH')).toMatchObject({ severity: 'MINOR', highest_severity: 'MAJOR', acknowledged: false });
    expect(changes).toEqual(['raised RATE_HIGH', 'acknowledged RATE_HIGH', 'escalated RATE_HIGH', 'updated RATE_HIGH']);
  });

  it('a latched alarm raised again counts the raise and keeps the highest severity since the last acknowledgement', async () => {
    const { book: b, clock } = book();
    b.fromTable('raised', alarm('NO_OUTPUT', 'INVALID'));
    b.fromTable('cleared', alarm('NO_OUTPUT'));
    await clock.advance(60_000);
    b.fromTable('raised', alarm('NO_OUTPUT', 'MAJOR', 'block-1', clock.now()));
    expect(b.get('block-1', 'NO_OUTPUT')).toMatchObject({ active: true, raised_count: 2, highest_severity: 'INVALID', since: T0 + 60_000, cleared_at: null });
  });

  it('shelving ends by itself, and a shelved alarm stays listed through a clear and an acknowledgement until then', async () => {
    const { book: b, clock, changes } = book();
    b.fromTable('raised', alarm('READING_STALE'));
    b.shelve('block-1', 'READING_STALE', clock.now() + 3600_000, { by: 'Anna', at: clock.now(), note: 'meter in repair' });
    expect(b.unacknowledgedBySeverity().MAJOR).toBe(0);
    b.fromTable('cleared', alarm('READING_STALE'));
    b.acknowledge({ all: true }, ack(clock.now()));
    expect(b.get('block-1', 'READING_STALE')).toMatchObject({ active: false, acknowledged: true, shelved: { note: 'meter in repair' } });
    await clock.advance(3600_000 - 1);
    expect(b.get('block-1', 'READING_STALE')?.shelved_until).toBe(T0 + 3600_000);
    await clock.advance(1);
    expect(b.get('block-1', 'READING_STALE')).toBeUndefined();
    expect(changes.slice(-2)).toEqual(['unshelved READING_STALE', 'removed READING_STALE']);
  });

  it('refuses to act on an alarm that is not listed, and acknowledges nothing twice', async () => {
    const { book: b, clock } = book();
    expect(b.acknowledge({ source: 'block-9', code: 'NO_OUTPUT' }, ack(clock.now()))).toBeNull();
    expect(b.shelve('block-9', 'NO_OUTPUT', clock.now() + 60_000, ack(clock.now()))).toBeNull();
    b.fromTable('raised', alarm('DRIFT'));
    expect(b.acknowledge({ source: 'block-1', code: 'DRIFT' }, ack(clock.now()))).toHaveLength(1);
    expect(b.acknowledge({ source: 'block-1', code: 'DRIFT' }, ack(clock.now()))).toEqual([]);
    expect(b.unshelve('block-1', 'DRIFT', clock.now())).toBeNull();
  });

  it('lists unacknowledged before acknowledged, active before latched, the most severe first', async () => {
    const { book: b, clock } = book();
    b.fromTable('raised', alarm('A_MINOR', 'MINOR'));
    b.fromTable('raised', alarm('B_MAJOR_LATCHED'));
    b.fromTable('cleared', alarm('B_MAJOR_LATCHED'));
    b.fromTable('raised', alarm('C_INVALID', 'INVALID'));
    b.fromTable('raised', alarm('D_ACKED', 'INVALID'));
    b.acknowledge({ source: 'block-1', code: 'D_ACKED' }, ack(clock.now()));
    expect(b.list().map((e) => e.code)).toEqual(['C_INVALID', 'A_MINOR', 'B_MAJOR_LATCHED', 'D_ACKED']);
  });

  it('a non-latching code is listed while active and gone once it clears, acknowledged or not', async () => {
    const clock = new ManualClock(T0);
    const b = new AlarmBook({ clock, guidance: () => '', nonLatching: new Set(['TIME_SCALE_TOO_HIGH']) });
    b.fromTable('raised', alarm('TIME_SCALE_TOO_HIGH', 'MAJOR', 'clock'));
    expect(b.get('clock', 'TIME_SCALE_TOO_HIGH')).toMatchObject({ active: true, acknowledged: false });
    b.fromTable('cleared', alarm('TIME_SCALE_TOO_HIGH', 'MAJOR', 'clock'));
    expect(b.list()).toEqual([]);
  });

  describe('after a restart', () => {
    const before = () => {
      const { book: b, clock } = book();
      b.fromTable('raised', alarm('NO_OUTPUT'));
      b.fromTable('raised', alarm('DRIFT'));
      b.acknowledge({ source: 'block-1', code: 'DRIFT' }, ack(clock.now(), 'seen'));
      b.fromTable('raised', alarm('READING_STALE', 'MAJOR', 'block-2'));
      b.fromTable('cleared', alarm('READING_STALE', 'MAJOR', 'block-2'));
      b.fromTable('raised', alarm('RATE_HIGH', 'MINOR'));
      b.shelve('block-1', 'RATE_HIGH', clock.now() + 600_000, { by: 'Anna', at: clock.now(), note: 'noisy' });
      return b.list();
    };

    it('a condition still there is the same alarm, as acknowledged as it was, and is not raised anew', async () => {
      const { book: b, changes } = book(before());
      b.fromTable('raised', alarm('DRIFT', 'MAJOR', 'block-1', T0 + 5000));
      b.fromTable('raised', alarm('NO_OUTPUT', 'MAJOR', 'block-1', T0 + 5000));
      expect(changes).toEqual(['updated DRIFT', 'updated NO_OUTPUT']);
      expect(b.get('block-1', 'DRIFT')).toMatchObject({ active: true, acknowledged: true, since: T0, acknowledgement: { note: 'seen' } });
      expect(b.get('block-1', 'NO_OUTPUT')).toMatchObject({ active: true, acknowledged: false, since: T0 });
    });

    it('a condition gone by the end of the grace clears then: latched if unacknowledged, gone if acknowledged', async () => {
      const { book: b, clock, changes } = book(before());
      expect(b.list().map((e) => `${e.source} ${e.code} ${e.active}`)).toEqual([
        'block-1 NO_OUTPUT true',
        'block-1 RATE_HIGH true',
        'block-2 READING_STALE false',
        'block-1 DRIFT true',
      ]);
      await clock.advance(12_000);
      expect(changes).toEqual(['cleared NO_OUTPUT', 'cleared RATE_HIGH', 'cleared DRIFT', 'removed DRIFT']);
      expect(b.get('block-1', 'NO_OUTPUT')).toMatchObject({ active: false, acknowledged: false, cleared_at: T0 + 12_000 });
      expect(b.get('block-2', 'READING_STALE')).toMatchObject({ active: false, acknowledged: false });
      expect(b.get('block-1', 'RATE_HIGH')).toMatchObject({ shelved_until: T0 + 600_000 });
      await clock.advance(600_000);
      expect(b.get('block-1', 'RATE_HIGH')).toMatchObject({ shelved_until: null, active: false });
    });
  });
});
