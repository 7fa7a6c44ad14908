// The discrete-event clock: time jumps from timer to timer, in due order, once what a timer
// started is waiting again; nothing sleeps for real.
import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { DiscreteEventClock } from '../../src/kit/clock/discrete-event-clock.js';

describe('DiscreteEventClock', () => {
  it('fires timers in due order (set order among equals) and lets their promise chains reach their next wait first', async () => {
    const clock = new DiscreteEventClock(0);
    const seen: string[] = [];
    clock.setTimeout(() => seen.push('b@20'), 20);
    clock.setTimeout(() => seen.push('a@10'), 10);
    clock.setTimeout(() => seen.push('c@20'), 20);
    void (async () => {
      await clock.sleep(5);
      seen.push('sleep 5 done');
      await Promise.resolve();
      await clock.sleep(15);
      seen.push(`sleep 20 done at ${clock.now()}`);
    })();
    await clock.runUntil(1_000_000);
    expect(seen).toEqual(['sleep 5 done', 'a@10', 'b@20', 'c@20', 'sleep 20 done at 20']);
    expect(clock.now()).toBe(1_000_000);
    expect(clock.figures.fired).toBe(5);
  });

  it('cancels timers, and runs a promise to its end however much simulated time it needs', async () => {
    const clock = new DiscreteEventClock(0);
    const handle = clock.setTimeout(() => {
      throw new Error('should not fire');
    }, 10);
    clock.clearTimeout(handle);
    const work = (async () => {
      for (let i = 0; i < 1000; i++) await clock.sleep(3_600_000);
      return clock.now();
    })();
    const started = Date.now();
    expect(await clock.runWhile(work, 2000 * 3_600_000)).toBe(1000 * 3_600_000);
    // Real time, on purpose: a thousand simulated hours must not wait for any of it. They take well
    // under 100 ms; the bound is over 50 times that, so only a clock that really waits fails it.
    expect(Date.now() - started).toBeLessThan(5000);
    expect(clock.pendingTimers).toBe(0);
    await expect(clock.runWhile(clock.sleep(10_000), 5000)).rejects.toThrow('still waiting after 5000 ms of simulated time');
  });

  it('does not move while outside work it was told of is pending', async () => {
    const clock = new DiscreteEventClock(0);
    let fired = false;
    clock.setTimeout(() => (fired = true), 10);
    let release!: () => void;
    void clock.hold(new Promise<void>((resolve) => (release = resolve)));
    const running = clock.runUntil(100);
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    expect(fired).toBe(false);
    expect(clock.now()).toBe(0);
    release();
    await running;
    expect(fired).toBe(true);
    expect(clock.now()).toBe(100);
  });
});

describe('DiscreteEventClock sleeps with a signal', () => {
  it('cuts every sleep still waiting on an aborted signal short, in the order they began, and leaves finished ones alone', async () => {
    const clock = new DiscreteEventClock(0);
    const controller = new AbortController();
    const seen: string[] = [];
    const sleeper = (name: string, ms: number) =>
      clock.sleep(ms, controller.signal).then(
        () => seen.push(`${name} woke at ${clock.now()}`),
        (reason: unknown) => seen.push(`${name} cut short at ${clock.now()}: ${(reason as Error).message}`),
      );
    const all = Promise.all([sleeper('a', 10), sleeper('b', 50), sleeper('c', 30)]);
    clock.setTimeout(() => controller.abort(new Error('question abandoned')), 20);
    await clock.runUntil(100);
    await all;
    expect(seen).toEqual(['a woke at 10', 'b cut short at 20: question abandoned', 'c cut short at 20: question abandoned']);
    expect(clock.pendingTimers).toBe(0);
    await expect(clock.sleep(5, controller.signal)).rejects.toThrow('question abandoned');
  });

  it('listens once on a signal however many sleeps wait on it', async () => {
    const clock = new DiscreteEventClock(0);
    const signal = new AbortController().signal;
    const work = (async () => {
      for (let i = 0; i < 100; i++) await clock.sleep(1000, signal);
      return clock.now();
    })();
    expect(await clock.runWhile(work, 200_000)).toBe(100_000);
    expect(getEventListeners(signal, 'abort')).toHaveLength(1);
  });
});
