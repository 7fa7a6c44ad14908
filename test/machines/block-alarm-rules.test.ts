// The block's alarm rules on their own: one alarm per code, a confirmed mismatch replacing its
// outlier, what plausible readings clear and what only a command clears, and judged readings.
import { describe, expect, it } from 'vitest';
import {
  LATCHED,
  afterConfirmation,
  alarmOf,
  clearedBy,
  hasMajorAlarm,
  holdLimitAlarm,
  knownFault,
  newlyTrusted,
  noReadingsAlarm,
  standbyAlarm,
  stoppingAlarm,
  takeReading,
  withAlarm,
} from '../../machines/block-alarms.js';
import { initialContext, type BlockContext } from '../../machines/block-context.js';
import { freshJudge, type BlockAlarm, type BlockAlarmCode } from '../../machines/reading-judge.js';
import type { Reading } from '../../machines/types.js';
import { blockChecks } from '../helpers/block-checks.js';

const alarm = (code: BlockAlarmCode, severity: BlockAlarm['severity'] = 'MAJOR', message: string = code): BlockAlarm => ({ code, severity, message, value: null });

function context(patch: Partial<BlockContext> = {}): BlockContext {
  const correction = { strategy: 'ours' as const, maxStepV: 40, maxTotalV: 10, hold: true, holdDeadbandV: 0.02, settleResidualV: 0.003, responseTauMs: 744, integrationMs: 2000 };
  const base = initialContext({ block: 2, name: 'main', settleMs: 1000, correction, ...blockChecks });
  return { ...base, setpoint: 18_500, demand: 18_500, nominal: 18_500, judge: freshJudge(0), ...patch };
}

let at = 0;
const reading = (volts: number): Reading => {
  at += 4020;
  return { voltmeter: 'd', volts, raw: volts / -4050.65 + at * 1e-12, startedAt: at, endedAt: at + 2000 };
};

describe('the alarm list', () => {
  it('keeps one alarm per code, the newest last', () => {
    const first = alarm('DRIFT', 'MAJOR', 'first');
    const second = alarm('DRIFT', 'MAJOR', 'second');
    expect(withAlarm([first, alarm('READING_STALE')], second)).toEqual([alarm('READING_STALE'), second]);
  });

  it('a confirmed readback fault replaces the outlier it confirms; other alarms do not', () => {
    const outlier = alarm('READING_OUTLIER', 'MINOR');
    expect(withAlarm([outlier], alarm('READBACK_MISMATCH')).map((a) => a.code)).toEqual(['READBACK_MISMATCH']);
    expect(withAlarm([outlier], alarm('NO_OUTPUT')).map((a) => a.code)).toEqual(['NO_OUTPUT']);
    expect(withAlarm([outlier], alarm('DRIFT')).map((a) => a.code)).toEqual(['READING_OUTLIER', 'DRIFT']);
  });

  it('plausible readings clear a major alarm after two, a minor one after one; standby and hold limit stay', () => {
    const major = [alarm('READBACK_MISMATCH'), alarm('OUTPUT_STANDBY'), alarm('HOLD_LIMIT')];
    expect(clearedBy(major, 1)).toBe(major);
    expect(clearedBy(major, 2).map((a) => a.code)).toEqual(['OUTPUT_STANDBY', 'HOLD_LIMIT']);
    const minor = [alarm('READING_OUTLIER', 'MINOR')];
    expect(clearedBy(minor, 0)).toBe(minor);
    expect(clearedBy(minor, 1)).toEqual([]);
    expect([...LATCHED].sort()).toEqual(['HOLD_LIMIT', 'OUTPUT_STANDBY']);
  });

  it('a confirmed check leaves only a standby', () => {
    expect(afterConfirmation([alarm('READING_OUTLIER', 'MINOR'), alarm('OUTPUT_STANDBY'), alarm('HOLD_LIMIT')]).map((a) => a.code)).toEqual(['OUTPUT_STANDBY']);
  });

  it('a stopped command names the newest major alarm, else the newest', () => {
    expect(stoppingAlarm([alarm('DRIFT', 'MAJOR', 'd'), alarm('READING_OUTLIER', 'MINOR')])!.code).toBe('DRIFT');
    expect(stoppingAlarm([alarm('READING_OUTLIER', 'MINOR')])!.code).toBe('READING_OUTLIER');
    expect(stoppingAlarm([])).toBeUndefined();
    expect(hasMajorAlarm([alarm('READING_OUTLIER', 'MINOR')])).toBe(false);
    expect(hasMajorAlarm([alarm('READING_OUTLIER', 'MINOR'), alarm('DRIFT')])).toBe(true);
  });

  it('in alarm for a readback fault, another readback fault is the same one (a supply coming back)', () => {
    const mismatch = { kind: 'fault' as const, alarm: alarm('READBACK_MISMATCH') };
    expect(knownFault([alarm('NO_OUTPUT')], mismatch)).toBe(true);
    expect(knownFault([alarm('DRIFT')], mismatch)).toBe(false);
    expect(knownFault([alarm('NO_OUTPUT')], { kind: 'fault', alarm: alarm('READING_STALE') })).toBe(false);
    expect(knownFault([alarm('NO_OUTPUT')], { kind: 'plausible', residual: 0, expected: 0 })).toBe(false);
  });
});

describe('alarms raised by the block', () => {
  it('standby names the block and its demand; hold limit the move, its sign and the limit; a lost voltmeter its fault', () => {
    const s = standbyAlarm(context({ demand: 18_500.1234 }));
    expect(s).toMatchObject({ code: 'OUTPUT_STANDBY', severity: 'MAJOR', value: 18_500.1234 });
    expect(s.message).toContain('block 2');
    expect(s.message).toContain('18500.123 V');
    const h = holdLimitAlarm(context(), -1.25);
    expect(h).toMatchObject({ code: 'HOLD_LIMIT', severity: 'MAJOR', value: -1.25 });
    expect(h.message).toContain('−1.250 V');
    expect(h.message).toContain('at most 1 V');
    expect(holdLimitAlarm(context(), 1.5).message).toContain('+1.500 V');
    expect(noReadingsAlarm('divider', 'timed out')).toEqual({ code: 'NO_READINGS', severity: 'MAJOR', message: 'no readings: voltmeter divider failed (timed out)', value: null });
  });

  it('a verdict raises its fault, or a gross held reading its alarm; a plausible one nothing', () => {
    const fault = alarm('NO_OUTPUT');
    expect(alarmOf({ kind: 'fault', alarm: fault })).toBe(fault);
    expect(alarmOf({ kind: 'held', residual: 2, expected: 0, alarm: alarm('READING_OUTLIER', 'MINOR') })!.code).toBe('READING_OUTLIER');
    expect(alarmOf({ kind: 'held', residual: 0.2, expected: 0, alarm: null })).toBeNull();
    expect(alarmOf({ kind: 'plausible', residual: 0, expected: 0 })).toBeNull();
  });
});

describe('a reading taken', () => {
  it('a plausible reading is actable and raises nothing', () => {
    const taken = takeReading(context(), reading(18_500.001))!;
    expect(taken.verdict.kind).toBe('plausible');
    expect(taken.actable).toBe(true);
    expect(taken.patch.alarms).toBeUndefined();
  });

  it('a reading at 0 V under 18.5 kV is held, then a NO_OUTPUT fault; neither is actable', () => {
    let c = context();
    const first = takeReading(c, reading(0))!;
    expect(first.actable).toBe(false);
    c = { ...c, ...first.patch };
    const second = takeReading(c, reading(0.001))!;
    expect(second.verdict.kind).toBe('fault');
    expect(second.actable).toBe(false);
    expect(second.patch.alarms!.map((a) => a.code)).toEqual(['NO_OUTPUT']);
  });

  it('nothing to judge against before there is an output', () => {
    expect(takeReading(context({ nominal: null }), reading(1))).toBeNull();
  });

  it('an offset is newly trusted when it moved and is certain', () => {
    const before = { ...freshJudge(0.1) };
    expect(newlyTrusted(before, { ...before, offset: 0.2 })).toBe(0.2);
    expect(newlyTrusted(before, { ...before, offset: 0.1 })).toBeNull();
    expect(newlyTrusted(before, { ...before, offset: 0.2, uncertainV: 0.5 })).toBeNull();
    expect(newlyTrusted(before, { ...before, offset: null })).toBeNull();
  });
});
