// The soak's comparison of what a client received with what the server logged: exact counts of
// missed readings and of readings the log lacks, wherever the client joined and left.
import { describe, expect, it } from 'vitest';
import { alignReadings } from '../../bench/soak-align.js';
import { parseReadings } from '../../bench/soak-readings.js';
import { SeededRandom } from '../../sim/random.js';

/** Readings like a quiet block's: few distinct quantised values, so short runs repeat. */
function quietReadings(n: number, seed = 7): number[] {
  const rng = new SeededRandom(seed);
  return Array.from({ length: n }, () => [0.0012, -0.0004, 0.002, 0.0008][Math.floor(rng.next() * 4)]!);
}

describe('alignReadings', () => {
  const logged = quietReadings(5000);

  it('finds a client that joined late and left early, with nothing missed', () => {
    const received = logged.slice(1200, 4100);
    expect(alignReadings(received, logged)).toMatchObject({ received: 2900, matched: 2900, missing: 0, extra: 0, rowsBefore: 1200, rowsAfter: 900, anchored: true });
  });

  it('counts readings the client missed in the middle', () => {
    const received = [...logged.slice(100, 2000), ...logged.slice(2003, 3000)];
    expect(alignReadings(received, logged)).toMatchObject({ missing: 3, extra: 0, rowsBefore: 100, rowsAfter: 2000 });
  });

  it('counts readings the log lacks (a full disk) as extra, not missing', () => {
    const unlogged = [...logged.slice(0, 2500), ...logged.slice(2700)];
    const received = logged.slice(10);
    expect(alignReadings(received, unlogged)).toMatchObject({ missing: 0, extra: 200, matched: 4790, rowsBefore: 10, rowsAfter: 0 });
  });

  it('counts readings received after the log ends as extra', () => {
    expect(alignReadings(logged.slice(4000), logged.slice(0, 4900))).toMatchObject({ matched: 900, extra: 100, missing: 0 });
  });

  it('says when the readings are not in the log at all', () => {
    expect(alignReadings([1, 2, 3], logged)).toMatchObject({ anchored: false, extra: 3, matched: 0 });
  });
});

describe('parseReadings', () => {
  it('takes whole rows and skips the header', () => {
    const text = 'timestamp\tHV\n12:00:00.000000\t18000.5\n12:00:04.020000\t-0.0004\n';
    expect(parseReadings(text)).toMatchObject({ volts: [18000.5, -0.0004], torn: 0 });
  });

  it('counts a row cut short by a full disk as torn and keeps the whole row glued to it', () => {
    const text = 'timestamp\tHV\n12:00:00.000000\t1.5\n12:00:04.0212:00:08.040000\t1.25\n12:00:12.060000\t1\n';
    expect(parseReadings(text)).toMatchObject({ volts: [1.5, 1.25, 1], torn: 1 });
  });
});
