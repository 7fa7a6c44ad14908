// One client's garbage cannot make the server log without bound.
import { describe, expect, it } from 'vitest';
import { LogThrottle } from '../../src/kit/log/log-throttle.js';

describe('LogThrottle', () => {
  it('logs the first lines in full, then one in every thousand with the count it left out', () => {
    const throttle = new LogThrottle(20, 1000);
    const taken = Array.from({ length: 10_000 }, () => throttle.take());
    const logged = taken.filter((t) => t.log);
    expect(logged).toHaveLength(20 + 10);
    expect(logged[20]).toEqual({ log: true, suppressed: 979 });
    expect(logged[21]).toEqual({ log: true, suppressed: 999 });
  });
});
