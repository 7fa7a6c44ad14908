// Running a whole server on a manual clock, for the benchmarks: time moves in small steps so the
// sockets' real I/O gets its turn between them.

import type { ManualClock } from '../src/kit/clock/clock.js';

/** Advances `ms` of virtual time in steps of `stepMs`. */
export async function advance(clock: ManualClock, ms: number, stepMs = 50): Promise<void> {
  for (let t = 0; t < ms; t += stepMs) await clock.advance(stepMs);
}

/** Advances virtual time until `promise` settles or `maxMs` have passed; returns the promise. */
export async function until<T>(clock: ManualClock, promise: Promise<T>, maxMs: number, stepMs = 50): Promise<T> {
  let done = false;
  void promise.finally(() => (done = true)).catch(() => {});
  for (let t = 0; t < maxMs && !done; t += stepMs) await clock.advance(stepMs);
  return promise;
}
