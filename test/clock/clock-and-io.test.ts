// The test helpers that step a manual clock with the process's real I/O finished between steps
// (test/helpers/clock-and-io.ts). A read from a FIFO stands for a slow disk: it holds a thread of
// libuv's pool until the test writes to the FIFO, so the I/O takes exactly as long as the test
// says, however fast or loaded the machine.
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, read, rmSync, writeSync, constants } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/kit/clock/clock.js';
import { advanceWithIoUntil, ioSettled, poolRequestsInFlight, runWithIo } from '../helpers/clock-and-io.js';

const opened: { dir: string; fd: number }[] = [];
afterEach(() => {
  for (const { dir, fd } of opened.splice(0)) {
    writeSync(fd, Buffer.alloc(1)); // ends a read still held, so no pool thread stays blocked
    closeSync(fd);
    rmSync(dir, { recursive: true, force: true });
  }
});

/** A FIFO opened for reading and writing: `read()` is pool I/O that finishes when `release()` writes a byte. */
function slowDisk() {
  const dir = mkdtempSync(join(tmpdir(), 'hv-clock-io-'));
  execFileSync('mkfifo', [join(dir, 'disk')]);
  // Read and write at once: the open does not wait for a writer (Linux).
  const fd = openSync(join(dir, 'disk'), constants.O_RDWR);
  opened.push({ dir, fd });
  return {
    read: (done: () => void) => read(fd, Buffer.alloc(1), 0, 1, null, () => done()),
    release: () => writeSync(fd, Buffer.alloc(1)),
  };
}

/** Until `holds()`, a turn of the event loop at a time: for what this test's own helper calls do next. */
async function turnsUntil(holds: () => boolean): Promise<void> {
  while (!holds()) await new Promise<void>((resolve) => setImmediate(resolve));
}

/**
 * Until the helper under test has looked at the thread pool `looks` more times and found the I/O
 * still in flight (each look was its chance to go on wrongly), or until `wentWrong()`. Counted in
 * the helper's own looks, not in real time, so a slow machine gives it as many chances as a fast
 * one; what is awaited cannot happen meanwhile (the FIFO holds the read until the test writes).
 */
async function chancesToGoWrong(wentWrong: () => boolean, looks = 20): Promise<void> {
  const look = process.getActiveResourcesInfo;
  let seen = 0;
  process.getActiveResourcesInfo = () => {
    seen++;
    return look.call(process);
  };
  try {
    await turnsUntil(() => seen >= looks || wentWrong());
  } finally {
    process.getActiveResourcesInfo = look;
  }
}

describe('stepping a manual clock with real I/O', () => {
  it('ManualClock.advanceUntil runs on past I/O a timer started: the race these helpers close', async () => {
    const disk = slowDisk();
    const clock = new ManualClock(0);
    let written = false;
    clock.setTimeout(() => disk.read(() => (written = true)), 100);
    expect(await clock.advanceUntil(() => written, 1000, 10)).toBe(false);
    expect(clock.now()).toBeGreaterThan(1000);
    disk.release();
    await ioSettled();
    expect(written).toBe(true);
  });

  it('advanceWithIoUntil takes no step while that I/O is in flight, however long it takes, and goes on once it is done', async () => {
    const disk = slowDisk();
    const clock = new ManualClock(0);
    let written = false;
    clock.setTimeout(() => disk.read(() => (written = true)), 100);
    let result: boolean | undefined;
    const waiting = advanceWithIoUntil(clock, () => written, 1000, 10).then((r) => (result = r));
    await turnsUntil(() => poolRequestsInFlight() > 0);
    const at = clock.now();
    expect(at).toBe(100); // the end of the step in which the timer fired
    await chancesToGoWrong(() => clock.now() !== at || result !== undefined);
    expect(clock.now()).toBe(at);
    expect(result).toBeUndefined();
    disk.release();
    await waiting;
    expect(result).toBe(true);
    expect(clock.now()).toBe(at);
  });

  it('runWithIo settles a promise that needs the clock, then I/O, then the clock again', async () => {
    const disk = slowDisk();
    const clock = new ManualClock(0);
    const story = (async () => {
      await clock.sleep(500);
      await new Promise<void>((resolve) => disk.read(resolve));
      await clock.sleep(500);
      return clock.now();
    })();
    const result = runWithIo(clock, story, 5000, 50);
    await turnsUntil(() => poolRequestsInFlight() > 0);
    expect(clock.now()).toBe(500);
    disk.release();
    // 500 ms after the read, on the step the second sleep ends: the clock did not run ahead meanwhile.
    expect(await result).toBe(1000);
  });

  it('ioSettled waits for every file request in flight, and returns at once when there is none', async () => {
    const disk = slowDisk();
    await ioSettled();
    let settled = false;
    disk.read(() => {});
    const waiting = ioSettled().then(() => (settled = true));
    await chancesToGoWrong(() => settled);
    expect(settled).toBe(false);
    disk.release();
    await waiting;
    expect(poolRequestsInFlight()).toBe(0);
  });
});
