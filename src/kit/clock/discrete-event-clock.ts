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

import { sleepOn, type Clock, type TimerHandle } from './clock.js';

interface Timer {
  readonly id: number;
  readonly due: number;
  readonly fn: () => void;
  cancelled: boolean;
}

/** Binary min-heap on (due, id): the earliest timer, and the first set among equals. */
class TimerQueue {
  private readonly heap: Timer[] = [];

  get size(): number {
    return this.heap.length;
  }

  peek(): Timer | undefined {
    return this.heap[0];
  }

  push(timer: Timer): void {
    const h = this.heap;
    h.push(timer);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!earlier(h[i]!, h[parent]!)) break;
      [h[i], h[parent]] = [h[parent]!, h[i]!];
      i = parent;
    }
  }

  pop(): Timer | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (h.length > 0 && last) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && earlier(h[l]!, h[m]!)) m = l;
        if (r < h.length && earlier(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top;
  }
}

function earlier(a: Timer, b: Timer): boolean {
  return a.due < b.due || (a.due === b.due && a.id < b.id);
}

const noop = (): void => {};

/** One full turn of the event loop: every microtask and I/O callback queued so far has run. */
function turn(): Promise<void> {
  return new Promise<void>((resolve) => setImmediate(resolve));
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
  private nextId = 1;
  private readonly queue = new TimerQueue();
  private readonly live = new Map<number, Timer>();
  private readonly holds = new Set<Promise<unknown>>();
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
    const timer: Timer = { id: this.nextId++, due: this.time + delay, fn, cancelled: false };
    this.setCount++;
    this.queue.push(timer);
    this.live.set(timer.id, timer);
    return { id: timer.id };
  }

  /** No real delay can make a deadline come early here: a deadline is a plain timer. */
  setDeadline(fn: () => void, ms: number): TimerHandle {
    return this.setTimeout(fn, ms);
  }

  clearTimeout(handle: TimerHandle): void {
    const id = (handle as { id?: number } | undefined)?.id;
    if (id === undefined) return;
    const timer = this.live.get(id);
    if (!timer) return;
    timer.cancelled = true;
    this.live.delete(id);
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return sleepOn(this, ms, signal);
  }

  /** Timers still to fire. */
  get pendingTimers(): number {
    return this.live.size;
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

  private async drive(stop: () => boolean, target: number): Promise<void> {
    if (this.running) throw new Error('the discrete-event clock is already running');
    this.running = true;
    try {
      for (;;) {
        await turn();
        while (this.holds.size > 0) {
          await Promise.race([...this.holds].map((p) => p.then(noop, noop)));
          await turn();
        }
        if (stop()) return;
        const next = this.nextTimer();
        if (!next || next.due > target) break;
        this.queue.pop();
        this.live.delete(next.id);
        this.time = Math.max(this.time, next.due);
        this.firedCount++;
        next.fn();
      }
      this.time = Math.max(this.time, target);
      await turn();
    } finally {
      this.running = false;
    }
  }

  private nextTimer(): Timer | undefined {
    for (let t = this.queue.peek(); t; t = this.queue.peek()) {
      if (!t.cancelled) return t;
      this.queue.pop();
    }
    return undefined;
  }
}
