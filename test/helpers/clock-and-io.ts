// Steps of a manual clock that never run ahead of the process's real I/O.
//
// ManualClock.advance lets a few turns of the event loop pass between timers. That is enough for
// work in memory and for sockets within this process (the kernel hands loopback bytes to the
// reader during the writer's call, so they are read at the next turn however busy the machine is).
// It is not enough for a request to libuv's thread pool (a file opened, written, synced, renamed or
// closed; a host name looked up): that takes as long as the disk and the scheduler make it, and on
// a loaded machine longer than any fixed number of turns. A test that stepped on regardless would
// see virtual minutes pass before a write of a millisecond lands, and fail although nothing is
// wrong. Here each step waits, in real time, until no such request of this process is in flight,
// as a clock counting seconds sees a disk counting milliseconds. There is no bound on that wait but
// the test's own time-out: a request that never finishes is a failure of the test, not of the clock.

import type { ManualClock } from '../../src/kit/clock/clock.js';

/**
 * Requests that run on libuv's thread pool, by the names process.getActiveResourcesInfo() gives
 * them: the file system's (callback and promise forms, and a FileHandle's close) and name lookups.
 */
const POOL_REQUESTS = new Set(['FSReqCallback', 'FSReqPromise', 'CloseReq', 'GetAddrInfoReqWrap', 'GetNameInfoReqWrap']);

/** How many thread-pool requests of this process are in flight now. */
export function poolRequestsInFlight(): number {
  return process.getActiveResourcesInfo().filter((name) => POOL_REQUESTS.has(name)).length;
}

/** A few turns of the event loop, as ManualClock gives between timers: what a callback started runs on to its next wait. */
async function turns(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/**
 * Resolves once no thread-pool request is in flight, and what their callbacks started has run on to
 * its next wait (which may be another request, waited for in turn). Nothing announces that the pool
 * is done (each request's callback belongs to the code under test), so it looks again every
 * millisecond of real time; a request that finishes wakes the event loop, so that costs at most a
 * millisecond per request.
 */
export async function ioSettled(): Promise<void> {
  while (poolRequestsInFlight() > 0) {
    await new Promise<void>((resolve) => setTimeout(resolve, 1));
    await turns();
  }
}

/** Advances the clock by `ms`, then waits for the real I/O that this started. */
export async function advanceWithIo(clock: ManualClock, ms: number): Promise<void> {
  await clock.advance(ms);
  await ioSettled();
}

/**
 * As ManualClock.advanceUntil (steps of `stepMs` until `predicate` holds or `maxMs` of virtual time
 * have passed; returns whether it held), with the real I/O of each step finished before the next.
 */
export async function advanceWithIoUntil(clock: ManualClock, predicate: () => boolean, maxMs: number, stepMs = 100): Promise<boolean> {
  await ioSettled();
  for (let waited = 0; waited <= maxMs; waited += stepMs) {
    if (predicate()) return true;
    await advanceWithIo(clock, stepMs);
  }
  return predicate();
}

/**
 * Advances the clock in steps, each with its real I/O, until `promise` settles or `maxMs` of
 * virtual time have passed, and returns it: past `maxMs` it is awaited without moving the clock.
 */
export async function runWithIo<T>(clock: ManualClock, promise: Promise<T>, maxMs: number, stepMs = 50): Promise<T> {
  let settled = false;
  const watched = promise.finally(() => {
    settled = true;
  });
  watched.catch(() => {});
  await ioSettled();
  for (let t = 0; t < maxMs && !settled; t += stepMs) await advanceWithIo(clock, stepMs);
  return watched;
}
