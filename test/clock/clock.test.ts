// The clocks every wait goes through.
import { describe, expect, it, vi } from 'vitest';
import { DEADLINE_FLOOR_MS, deadlineFloorOf, ManualClock, realDeadlineMs, ScaledClock } from '../../src/kit/clock/clock.js';

describe('ManualClock', () => {
  it('fires timers in due order and lets their promise chains run before the next', async () => {
    const clock = new ManualClock(0);
    const seen: string[] = [];
    clock.setTimeout(() => seen.push('b@20'), 20);
    clock.setTimeout(() => seen.push('a@10'), 10);
    void (async () => {
      await clock.sleep(5);
      seen.push('sleep 5 done');
      await clock.sleep(10);
      seen.push(`sleep 15 done at ${clock.now()}`);
    })();
    await clock.advance(30);
    expect(seen).toEqual(['sleep 5 done', 'a@10', 'sleep 15 done at 15', 'b@20']);
    expect(clock.now()).toBe(30);
  });

  it('cancels timers and aborted sleeps', async () => {
    const clock = new ManualClock(0);
    const handle = clock.setTimeout(() => {
      throw new Error('should not fire');
    }, 10);
    clock.clearTimeout(handle);
    const controller = new AbortController();
    const sleep = clock.sleep(100, controller.signal);
    controller.abort(new Error('stopped'));
    await expect(sleep).rejects.toThrow('stopped');
    await clock.advance(200);
    expect(clock.pendingTimers).toBe(0);
  });
});

describe('ScaledClock', () => {
  it('runs waits K times faster and keeps now() consistent with them', async () => {
    // Real time is the test's (fake timers and Date), so the 20 ms are exactly 20 ms however busy the machine.
    vi.useFakeTimers();
    try {
      const clock = new ScaledClock(100, 0);
      let slept = false;
      void clock.sleep(2000).then(() => (slept = true));
      await vi.advanceTimersByTimeAsync(19);
      expect(slept).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      expect(slept).toBe(true);
      expect(clock.now()).toBe(2000);
    } finally {
      vi.useRealTimers();
    }
  });

  it('gives a deadline at least 250 ms of real time at any scale, and scales it like any wait above that', () => {
    vi.useFakeTimers();
    try {
      const fired: string[] = [];
      const fast = new ScaledClock(100, 0);
      fast.setDeadline(() => fired.push('3.5 s at ×100'), 3500); // 35 ms scaled: held to the floor
      const slow = new ScaledClock(2, 0);
      slow.setDeadline(() => fired.push('2 s at ×2'), 2000); // 1000 ms: above the floor, scaled
      fast.setDeadline(() => fired.push('100 ms at ×100'), 100); // never longer than asked
      vi.advanceTimersByTime(100);
      expect(fired).toEqual(['100 ms at ×100']);
      vi.advanceTimersByTime(DEADLINE_FLOOR_MS - 101);
      expect(fired).toEqual(['100 ms at ×100']);
      vi.advanceTimersByTime(1);
      expect(fired).toEqual(['100 ms at ×100', '3.5 s at ×100']);
      vi.advanceTimersByTime(1000 - DEADLINE_FLOOR_MS);
      expect(fired).toEqual(['100 ms at ×100', '3.5 s at ×100', '2 s at ×2']);
    } finally {
      vi.useRealTimers();
    }
  });

  it('says how much real time a deadline lasts, for waits kept by something outside the program', () => {
    expect(realDeadlineMs(2000, 1)).toBe(2000);
    expect(realDeadlineMs(2000, 4)).toBe(500); // above the floor: scaled
    expect(realDeadlineMs(2000, 1000)).toBe(DEADLINE_FLOOR_MS); // 2 ms scaled: held to the floor
    expect(realDeadlineMs(100, 1000)).toBe(100); // shorter than the floor: never longer than asked
    expect(realDeadlineMs(-5, 10)).toBe(0);
    expect(realDeadlineMs(2000, 1000, 800)).toBe(800); // a floor raised because the event loop lags
    const lagging = new ScaledClock(1000, 0);
    expect(deadlineFloorOf(lagging)).toBe(DEADLINE_FLOOR_MS);
    lagging.deadlineFloorMs = 800;
    expect(deadlineFloorOf(lagging)).toBe(800);
    expect(deadlineFloorOf(new ManualClock(0))).toBe(DEADLINE_FLOOR_MS);
  });

  it('refuses a scale that is not a positive finite number', () => {
    expect(() => new ScaledClock(0)).toThrow(/time scale 0 is not valid/);
    expect(() => new ScaledClock(Number.NaN)).toThrow(/time scale NaN/);
  });
});
