// The voltmeter's own safety net: a reading asked for must come within readingTimeoutMs, counted
// from each ask, whatever came before.
import { describe, expect, it } from 'vitest';
import { createActor, fromPromise } from 'xstate';
import { instrumentReader, voltmeterMachine } from '../../machines/voltmeter.machine.js';
import { ManualClock } from '../../src/kit/clock/clock.js';

const PERIOD = 4020;
const TIMEOUT = 10_000;

/** A meter whose reader answers each ask after a period, `answers` times, then never. */
function harness(answers: number) {
  const clock = new ManualClock(0);
  let asked = 0;
  const published: number[] = [];
  const meter = voltmeterMachine.provide({
    actors: {
      initVoltmeter: fromPromise(async () => {}),
      reader: instrumentReader(async (_, signal) => {
        if (++asked > answers) return new Promise<never>(() => {});
        await clock.sleep(PERIOD, signal);
        return { raw: 1, startedAt: clock.now() - 2000, endedAt: clock.now() };
      }),
    },
    actions: { publishReading: () => published.push(clock.now()) },
  });
  const actor = createActor(meter, { clock, input: { voltmeter: 'v', dividerRatio: 1, readingTimeoutMs: TIMEOUT, readingPeriodMs: PERIOD, blocks: [] } });
  actor.start();
  return { clock, actor, published };
}

describe('voltmeter reading time-out', () => {
  it('keeps measuring for as long as readings come, far past one time-out', async () => {
    const h = harness(100);
    await h.clock.advance(20 * PERIOD + 10);
    expect(h.published).toHaveLength(20);
    expect(h.actor.getSnapshot().value).toBe('measuring');
  });

  it('fails exactly one time-out after the last reading asked for, and says so', async () => {
    const h = harness(3);
    await h.clock.advance(3 * PERIOD);
    expect(h.published).toEqual([PERIOD, 2 * PERIOD, 3 * PERIOD]);
    await h.clock.advance(TIMEOUT - 1);
    expect(h.actor.getSnapshot().value).toBe('measuring');
    await h.clock.advance(1);
    expect(h.actor.getSnapshot().status).toBe('done');
    expect(h.actor.getSnapshot().context.fault).toBe('no reading within 10 s');
  });
});
