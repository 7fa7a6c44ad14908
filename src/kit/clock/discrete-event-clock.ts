// Discrete-event time: the clock never sleeps. Once everything a timer started has run to its next
// wait (every actor, driver and simulated instrument is waiting on the clock again), time jumps to
// the next timer. A simulated day then takes as long as the work in it, not as long as the day.
//
// Timers fire in order of due time, and in the order they were set within one due time; between two
// timers the event loop takes one full turn, so the promise chains a timer started (a driver's
// exchange with a simulated instrument, an actor's reaction) reach their next wait first. Given the
// same seed, the same program therefore sees the same sequence of times and events on every run.
// Work outside the clock that the simulation must wait for (a socket round trip, say) is announced
// with `hold(promise)`: time does not move while it is pending.

import type { Clock, TimerHandle } from './clock.js';

const PENDING = 0;
const DONE = 1;

/** A timer is its own handle: clearing one marks it, and the queue drops it when it comes up. */
class Timer {
  /** PENDING until it fires or is cleared. */
  state = PENDING;
  constructor(
    readonly due: number,
    readonly seq: number,
    readonly fn: () => void,
  ) {}
}

/** Binary min-heap on (due, seq): the earliest timer, and the first set among equals. */
class TimerQueue {
  private readonly heap: Timer[] = [];

  peek(): Timer | undefined {
    return this.heap[0];
  }

  push(timer: Timer): void {
    const h = this.heap;
    let i = h.length;
    h.push(timer);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const above = h[parent]!;
      if (!earlier(timer, above)) break;
      h[i] = above;
      i = parent;
    }
    h[i] = timer;
  }

  pop(): Timer | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    const n = h.length;
    if (n > 0 && last) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        const child = r < n && earlier(h[r]!, h[l]!) ? r : l;
        if (!earlier(h[child]!, last)) break;
        h[i] = h[child]!;
        i = child;
      }
      h[i] = last;
    }
    return top;
  }
}

function earlier(a: Timer, b: Timer): boolean {
  return a.due < b.due || (a.due === b.due && a.seq < b.seq);
}

const noop = (): void => {};

interface AbortableSleep {
  readonly timer: TimerHandle;
  readonly reject: (reason: unknown) => void;
}

export interface RunFigures {
  /** Timers fired since the clock was made. */
  fired: number;
  /** Timers set since the clock was made (fired, cancelled or still waiting). */
  set: number;
  /** Virtual milliseconds the clock has moved since it was made. */
  elapsedMs: number;
}

export class DiscreteEventClock implements Clock {
  /** No fixed ratio to real time: as fast as the work allows. Reported as such (not a number). */
  readonly timeScale = Number.POSITIVE_INFINITY;
  private time: number;
  private readonly start: number;
  private nextSeq = 1;
  private readonly queue = new TimerQueue();
  /** Timers set and neither fired nor cleared. */
  private live = 0;
  private readonly holds = new Set<Promise<unknown>>();
  /** Sleeps that a signal can cut short, by signal. */
  private readonly abortable = new WeakMap<AbortSignal, Set<AbortableSleep>>();
  private firedCount = 0;
  private setCount = 0;
  private running = false;

  constructor(startAt = Date.UTC(2026, 0, 1, 0, 0, 0)) {
    this.time = startAt;
    this.start = startAt;
  }

  now(): number {
    return this.time;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const delay = Number.isFinite(ms) ? Math.max(0, ms) : 0;
    const timer = new Timer(this.time + delay, this.nextSeq++, fn);
    this.setCount++;
    this.live++;
    this.queue.push(timer);
    return timer;
  }

  /** No real delay can make a deadline come early here: a deadline is a plain timer. */
  setDeadline(fn: () => void, ms: number): TimerHandle {
    return this.setTimeout(fn, ms);
  }

  clearTimeout(handle: TimerHandle): void {
    // Cleared timers stay in the queue until they come up (cheaper than taking them out now).
    if (!(handle instanceof Timer) || handle.state !== PENDING) return;
    handle.state = DONE;
    this.live--;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    // Without a signal nothing can cut the sleep short: the timer resolves the promise itself.
    if (!signal) return new Promise<void>((resolve) => void this.setTimeout(resolve, ms));
    if (signal.aborted) return Promise.reject(signal.reason);
    return new Promise<void>((resolve, reject) => {
      const sleeps = this.sleepsOn(signal);
      const sleep: AbortableSleep = {
        timer: this.setTimeout(() => {
          sleeps.delete(sleep);
          resolve();
        }, ms),
        reject,
      };
      sleeps.add(sleep);
    });
  }

  /**
   * The sleeps waiting on `signal`, under one listener for all of them: a long-lived signal (an
   * instrument's question after question) costs one addEventListener, not one per sleep. On abort
   * they are cut short in the order they began, as one listener each would have been.
   */
  private sleepsOn(signal: AbortSignal): Set<AbortableSleep> {
    const known = this.abortable.get(signal);
    if (known) return known;
    const sleeps = new Set<AbortableSleep>();
    this.abortable.set(signal, sleeps);
    signal.addEventListener(
      'abort',
      () => {
        this.abortable.delete(signal);
        for (const sleep of sleeps) {
          this.clearTimeout(sleep.timer);
          sleep.reject(signal.reason);
        }
        sleeps.clear();
      },
      { once: true },
    );
    return sleeps;
  }

  /** Timers still to fire. */
  get pendingTimers(): number {
    return this.live;
  }

  get figures(): RunFigures {
    return { fired: this.firedCount, set: this.setCount, elapsedMs: this.time - this.start };
  }

  /** Time stands still until `work` settles (work outside the clock the simulation waits for). */
  hold<T>(work: Promise<T>): Promise<T> {
    this.holds.add(work);
    const release = () => this.holds.delete(work);
    work.then(release, release);
    return work;
  }

  /**
   * Fires timers in order until the clock reaches `target` (virtual ms since the epoch), then sets
   * it there. With no timer left before `target`, time jumps straight to it.
   */
  async runUntil(target: number): Promise<void> {
    await this.drive(() => false, target);
  }

  /** Runs for `ms` of virtual time. */
  advance(ms: number): Promise<void> {
    return this.runUntil(this.time + ms);
  }

  /**
   * Fires timers until `promise` settles, or `maxMs` of virtual time have passed (then it rejects
   * with a sentence saying so). Returns what the promise gave.
   */
  async runWhile<T>(promise: Promise<T>, maxMs: number): Promise<T> {
    let done = false;
    const watched = promise.finally(() => (done = true));
    watched.catch(() => {});
    const limit = this.time + maxMs;
    await this.drive(() => done, limit);
    if (!done) throw new Error(`still waiting after ${maxMs} ms of simulated time`);
    return watched;
  }

  /**
   * The loop, one timer per turn of the event loop: each step runs from setImmediate, so every
   * microtask and I/O callback queued before it has run (plain callbacks: no promise per turn).
   */
  private drive(stop: () => boolean, target: number): Promise<void> {
    if (this.running) return Promise.reject(new Error('the discrete-event clock is already running'));
    this.running = true;
    return new Promise<void>((resolve, reject) => {
      const end = (): void => {
        this.running = false;
        resolve();
      };
      const step = (): void => {
        try {
          if (this.holds.size > 0) {
            // Outside work pending: wait for one piece of it, give the loop a turn, and look again.
            void Promise.race([...this.holds].map((p) => p.then(noop, noop))).then(() => setImmediate(step));
            return;
          }
          if (stop()) {
            end();
            return;
          }
          const next = this.nextTimer();
          if (!next || next.due > target) {
            this.time = Math.max(this.time, target);
            setImmediate(end);
            return;
          }
          this.queue.pop();
          next.state = DONE;
          this.live--;
          this.time = Math.max(this.time, next.due);
          this.firedCount++;
          next.fn();
          setImmediate(step);
        } catch (err) {
          this.running = false;
          reject(err);
        }
      };
      setImmediate(step);
    });
  }

  private nextTimer(): Timer | undefined {
    for (let t = this.queue.peek(); t; t = this.queue.peek()) {
      if (t.state === PENDING) return t;
      this.queue.pop();
    }
    return undefined;
  }
}
