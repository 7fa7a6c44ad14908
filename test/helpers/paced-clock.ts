// Discrete-event time paced to real time: for a whole server in the test's own process that pages
// and clients in other processes talk to while it runs (the browser tests). Timers fire in order,
// each after the work the one before started has reached its next wait, as on the discrete-event
// clock (src/kit/clock/discrete-event-clock.ts); and time moves at most `timeScale` times faster
// than real time, so a page sees readings come at a pace it can show.
//
// On a scaled clock a busy machine makes simulated time run on while nothing runs: a reply comes
// "late", a deadline fires before the answer it waits for, a check times out. Here a busy machine
// only makes simulated time slower: what happens, and in what order, does not depend on how fast
// the machine is.

import { type Clock, type TimerHandle } from '../../src/kit/clock/clock.js';
import { DiscreteEventClock } from '../../src/kit/clock/discrete-event-clock.js';

/** Real ms between two steps of simulated time. */
const STEP_REAL_MS = 20;

export class PacedClock implements Clock {
  private readonly events: DiscreteEventClock;
  private stopped = false;
  private readonly running: Promise<void>;

  /** Time moves in steps of `timeScale` × 20 ms, each as fast as its timers' work allows, then waits 20 ms of real time. */
  constructor(
    readonly timeScale: number,
    startAt = Date.now(),
  ) {
    this.events = new DiscreteEventClock(startAt);
    this.running = this.run();
  }

  now(): number {
    return this.events.now();
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    return this.events.setTimeout(fn, ms);
  }

  /** A deadline is a plain timer: whatever it waits for is a timer of this clock too, and fires first. */
  setDeadline(fn: () => void, ms: number): TimerHandle {
    return this.events.setDeadline(fn, ms);
  }

  clearTimeout(handle: TimerHandle): void {
    this.events.clearTimeout(handle);
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return this.events.sleep(ms, signal);
  }

  /** Stops moving time (after the server on it has stopped: its stop waits on timers). */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.running;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      await this.events.advance(this.timeScale * STEP_REAL_MS);
      await new Promise((resolve) => setTimeout(resolve, STEP_REAL_MS));
    }
  }
}
