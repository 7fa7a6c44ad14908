// `hv-sim day` on a simulated hour: the whole server on the discrete-event clock, every reading
// read out of a voltmeter published and logged, every command answered, and the same readings log
// for the same seed.
import { describe, expect, it } from 'vitest';
import { onlineDay, scheduleFromScenario } from '../../app/day/day-schedule.js';
import { localMidnight, runDay } from '../../app/day/run-day.js';

describe('a simulated day', () => {
  it('an hour: readings expected = published = logged on every voltmeter, every command answered, the same log for the same seed', async () => {
    const first = await runDay({ hours: 1, seed: 3, logLevel: 'silent' });
    expect(first.simulatedMs).toBe(3_600_000);
    // A voltmeter reads every 4.02 s: about 895 an hour, a few fewer where a setpoint change restarts one.
    for (const s of first.series) {
      expect(s.expected).toBeGreaterThan(880);
      expect(s.published).toBe(s.expected);
      expect(s.logged).toBe(s.expected);
    }
    expect(first.commands).toBe(6);
    expect(first.unanswered).toBe(0);
    expect(Object.values(first.answers).reduce((a, b) => a + b, 0)).toBe(6);
    // Real time, on purpose: the hour must not wait for its clock. It is a few seconds of work (3 to
    // 7 s on a busy 2-core machine); the bound is over 10 times the first, and an hour that waited
    // for its clock even at ×20 would take 180 s.
    expect(first.wallMs).toBeLessThan(60_000);
    const again = await runDay({ hours: 1, seed: 3, logLevel: 'silent' });
    expect(again.digest).toBe(first.digest);
    expect(again.series).toEqual(first.series);
    expect(again.answers).toEqual(first.answers);
    const other = await runDay({ hours: 0.25, seed: 4, logLevel: 'silent' });
    expect(other.digest).not.toBe(first.digest);
  }, 180_000);

  it('builds an Online-like schedule, or takes one from a scenario file, and refuses a day that is not one', () => {
    const day = onlineDay(144, 1, [
      { id: 1, min: 0, max: 25_000 },
      { id: 2, min: 0, max: 1000 },
    ]);
    expect(day).toHaveLength(144);
    expect(day.filter((c) => c.block === 1 && c.voltage === 0 && c.command_type === 'set_voltage_and_check')).toHaveLength(12);
    expect(onlineDay(144, 1, [{ id: 1, min: 0, max: 25_000 }, { id: 2, min: 0, max: 1000 }])).toEqual(day);
    const file = scheduleFromScenario('ACQUIRE 30\nSET_VOLTAGE 2 100\nSET_VOLTAGE_AND_CHECK 1 14000 0.5 30\n', 3);
    expect(file.map((c) => [c.command_type, c.block, c.voltage])).toEqual([
      ['set_voltage', 2, 100],
      ['set_voltage_and_check', 1, 14000],
      ['set_voltage', 2, 100],
    ]);
    expect(() => scheduleFromScenario('ACQUIRE 30\n', 3)).toThrow('no SET_VOLTAGE');
    expect(() => localMidnight('2026-02-30')).toThrow('not a calendar day');
  });
});
