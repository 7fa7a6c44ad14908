// What one reading costs a simulated day, as bench:day counts it: the count adds up, and a reading
// starts no actor (the voltmeter's reader lives as long as the voltmeter).
import { describe, expect, it } from 'vitest';
import { runDay } from '../../app/day/run-day.js';

describe('the cost of one reading', () => {
  it('counts the events each actor takes per reading, the timers and the heap, and no actor started per reading', async () => {
    const day = await runDay({ hours: 0.5, seed: 1, logLevel: 'silent', count: true });
    const cost = day.cost!;
    expect(cost.readings).toBe(day.totals.published);
    expect(cost.readings).toBeGreaterThan(1000);
    // A reading is one event for its voltmeter and one for its reader, give or take the few a
    // setpoint change adds (RESYNC, SETTLED, an abandoned reading).
    expect(cost.events.voltmeter).toBeGreaterThanOrEqual(1);
    expect(cost.events.voltmeter).toBeLessThan(1.1);
    expect(cost.events.reader).toBeGreaterThanOrEqual(1);
    expect(cost.events.reader).toBeLessThan(1.1);
    // Readings pass the supervisor by (each voltmeter sends its own to its blocks): it takes only
    // the commands and the output changes, a few an hour.
    expect(cost.events.supervisor ?? 0).toBeLessThan(0.05);
    // Every snapshot follows an event.
    expect(cost.snapshots.voltmeter).toBeCloseTo(cost.events.voltmeter!, 6);
    expect(cost.actorsStarted.reader).toBeUndefined();
    expect(cost.broadcasts).toBeGreaterThanOrEqual(1);
    expect(cost.timersFired).toBeGreaterThan(1);
    expect(cost.timersSet).toBeGreaterThanOrEqual(cost.timersFired);
    expect(cost.heapBytes).toBeGreaterThan(0);
    expect(cost.logLines).toBe(0); // a silent log
  }, 120_000);
});
