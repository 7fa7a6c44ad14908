// The voltmeter lines its readings up with a settling output, without ever going silent for long.
import { describe, expect, it } from 'vitest';
import { createActor, fromPromise } from 'xstate';
import { instrumentReader, voltmeterMachine } from '../../machines/voltmeter.machine.js';
import type { Reading } from '../../machines/types.js';
import { ManualClock } from '../../src/kit/clock/clock.js';

const PERIOD = 4020;

function harness() {
  const clock = new ManualClock(0);
  const readings: Reading[] = [];
  const meter = voltmeterMachine.provide({
    actors: {
      initVoltmeter: fromPromise(async () => {}),
      reader: instrumentReader(async (_, signal) => {
        const startedAt = clock.now() + 10;
        await clock.sleep(PERIOD, signal);
        return { raw: 1, startedAt, endedAt: startedAt + 2000 };
      }),
    },
    // Collects the readings as they are published.
    actions: { publishReading: (_, { reading }) => readings.push(reading) },
  });
  const actor = createActor(meter, { clock, input: { voltmeter: 'v', dividerRatio: 1, readingTimeoutMs: 20_000, readingPeriodMs: PERIOD, blocks: [] } });
  actor.start();
  const resync = (delayMs: number) => actor.send({ type: 'RESYNC', delayMs });
  return { clock, readings, resync };
}

describe('voltmeter resync', () => {
  it('after a long settle, keeps reading every period and starts one reading exactly when it ends', async () => {
    const h = harness();
    await h.clock.advance(1000); // mid-reading
    const changedAt = h.clock.now();
    h.resync(9300);
    await h.clock.advance(30_000);
    const starts = h.readings.map((r) => r.startedAt - 10);
    expect(starts).toContain(changedAt + 9300);
    const gaps = starts.slice(1).map((s, i) => s - starts[i]!);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(2 * PERIOD);
    // Before the settle ends the readings kept their cycle.
    expect(starts.filter((s) => s < changedAt + 9300)).toEqual([0, PERIOD]);
  });

  it('after a short settle, abandons the reading in progress and starts the next when it ends', async () => {
    const h = harness();
    await h.clock.advance(1000);
    const changedAt = h.clock.now();
    h.resync(1500);
    await h.clock.advance(10_000);
    const starts = h.readings.map((r) => r.startedAt - 10);
    expect(starts[0]).toBe(changedAt + 1500); // the reading begun at 0 was abandoned
    expect(starts[1]).toBe(changedAt + 1500 + PERIOD);
  });
});
