// The one clock every wait in the program goes through: machine delays, instrument timing, timeouts.
//
// It satisfies XState's `clock` option ({ setTimeout, clearTimeout }) so machines and everything else
// share one time base: real time in the lab, scaled time in training, manual time in tests.

/** Opaque: whatever the clock's setTimeout returned. */
export type TimerHandle = unknown;

export interface Clock {
  /** Milliseconds since the Unix epoch, in this clock's time base. */
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  /**
   * A time-out on something outside the program (an instrument's answer, a connection): `ms` of
   * this clock's time, but never less than DEADLINE_FLOOR_MS of real time, since the event loop's
   * own delays do not shrink when the clock runs faster. Cleared with clearTimeout.
   */
  setDeadline(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
  /** Resolves after `ms` of this clock's time; rejects with the signal's reason if aborted first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** How many clock milliseconds pass per real millisecond (1 in the lab). */
  readonly timeScale: number;
}

/** The shortest real time a deadline gets at any time scale, ms. */
export const DEADLINE_FLOOR_MS = 250;

/**
 * The real milliseconds a deadline of `ms` clock time lasts: `ms` at the clock's speed, but never
 * less than the floor (nor, for a deadline shorter than the floor, less than `ms` itself). Also for
 * waits the program hands to something outside it that keeps real time, such as a VISA library's
 * own time-out.
 */
export function realDeadlineMs(ms: number, timeScale: number, floorMs: number = DEADLINE_FLOOR_MS): number {
  const clockMs = Math.max(0, ms);
  return Math.max(clockMs / timeScale, Math.min(clockMs, floorMs));
}

/** The floor a clock gives its deadlines: raised on a scaled clock whose event loop lags. */
export function deadlineFloorOf(clock: Clock): number {
  const floor = (clock as { deadlineFloorMs?: unknown }).deadlineFloorMs;
  return typeof floor === 'number' ? floor : DEADLINE_FLOOR_MS;
}

/** Shared by every clock: a sleep built on the clock's own timers. */
export function sleepOn(clock: Pick<Clock, 'setTimeout' | 'clearTimeout'>, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      clock.clearTimeout(handle);
      reject(signal?.reason);
    };
    const handle = clock.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Real time, optionally sped up: `timeScale` K makes every wait K times shorter and the clock's
 * `now()` run K times faster from the moment it was created, so timestamps stay consistent with waits.
 */
export class ScaledClock implements Clock {
  private realStart = Date.now();
  private virtualStart: number;
  private scale: number;
  /** The shortest real time a deadline gets; raised when the event loop is seen to lag more (src/clock/time-keeping.ts). */
  deadlineFloorMs = DEADLINE_FLOOR_MS;

  constructor(timeScale = 1, startAt: number = Date.now()) {
    this.scale = ScaledClock.checked(timeScale);
    this.virtualStart = startAt;
  }

  get timeScale(): number {
    return this.scale;
  }

  /** Changes the speed from now on; waits already running keep the speed they started with. */
  setTimeScale(timeScale: number): void {
    const now = this.now();
    this.scale = ScaledClock.checked(timeScale);
    this.realStart = Date.now();
    this.virtualStart = now;
  }

  now(): number {
    return this.virtualStart + (Date.now() - this.realStart) * this.scale;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    return globalThis.setTimeout(fn, Math.max(0, ms) / this.scale);
  }

  setDeadline(fn: () => void, ms: number): TimerHandle {
    return globalThis.setTimeout(fn, realDeadlineMs(ms, this.scale, this.deadlineFloorMs));
  }

  clearTimeout(handle: TimerHandle): void {
    globalThis.clearTimeout(handle as ReturnType<typeof globalThis.setTimeout>);
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return sleepOn(this, ms, signal);
  }

  private static checked(timeScale: number): number {
    if (!(timeScale > 0) || !Number.isFinite(timeScale)) {
      throw new RangeError(`time scale ${timeScale} is not valid; expected a finite number above 0`);
    }
    return timeScale;
  }
}

interface ManualTimer {
  readonly id: number;
  readonly due: number;
  readonly fn: () => void;
}

/** Lets promise chains that a timer started run to their next wait before time moves on. */
async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/**
 * Time that moves only when a test says so. `advance(ms)` fires due timers in order and lets the
 * promise chains they start run before it fires the next one, so a 20 s timeout takes milliseconds.
 */
export class ManualClock implements Clock {
  readonly timeScale = 1;
  private time: number;
  private nextId = 1;
  private timers: ManualTimer[] = [];

  constructor(startAt = Date.UTC(2026, 0, 1, 12, 0, 0)) {
    this.time = startAt;
  }

  now(): number {
    return this.time;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const timer: ManualTimer = { id: this.nextId++, due: this.time + Math.max(0, ms), fn };
    this.timers.push(timer);
    return { id: timer.id };
  }

  /** Time only moves when a test says so: no real delay to allow for. */
  setDeadline(fn: () => void, ms: number): TimerHandle {
    return this.setTimeout(fn, ms);
  }

  clearTimeout(handle: TimerHandle): void {
    const id = (handle as { id?: number } | undefined)?.id;
    this.timers = this.timers.filter((t) => t.id !== id);
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return sleepOn(this, ms, signal);
  }

  /** Pending timers, for assertions that nothing is left waiting. */
  get pendingTimers(): number {
    return this.timers.length;
  }

  async advance(ms: number): Promise<void> {
    const target = this.time + ms;
    for (;;) {
      await settle();
      const next = this.earliestDueBy(target);
      if (!next) break;
      this.timers = this.timers.filter((t) => t !== next);
      this.time = Math.max(this.time, next.due);
      next.fn();
    }
    this.time = target;
    await settle();
  }

  /** Advances in steps until `predicate` holds or `maxMs` have passed; returns whether it held. */
  async advanceUntil(predicate: () => boolean, maxMs: number, stepMs = 100): Promise<boolean> {
    for (let waited = 0; waited <= maxMs; waited += stepMs) {
      if (predicate()) return true;
      await this.advance(stepMs);
    }
    return predicate();
  }

  private earliestDueBy(target: number): ManualTimer | undefined {
    let best: ManualTimer | undefined;
    for (const t of this.timers) {
      if (t.due <= target && (!best || t.due < best.due || (t.due === best.due && t.id < best.id))) best = t;
    }
    return best;
  }
}
