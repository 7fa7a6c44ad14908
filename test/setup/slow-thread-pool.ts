// `npm run test:stress -- --slow-io MS` (HV_SLOW_IO_MS, on Linux): libuv's thread pool in each
// test process made as slow as a busy disk. Every thread of the pool sleeps MS at a time, one sleep
// after another (usleep through koffi's asynchronous call, which runs as pool work), so each file
// request (open, write, fsync, rename, close) and each name lookup waits up to MS for a thread.
// Busy processes load the CPU, which delays the pool only sometimes; this delays every request, so
// a test that waits on a file within a fixed number of event-loop turns fails at once, and one
// that waits for the I/O itself passes, only slower. Processes the tests start are not slowed.

import { createRequire } from 'node:module';
import type koffi from 'koffi';

const slowIoMs = Number(process.env.HV_SLOW_IO_MS);
// Once per test process: its files share it (the config's isolate: false).
const armed = Symbol.for('hv-server.slow-thread-pool');
const scope = globalThis as { [armed]?: true };

if (slowIoMs > 0 && !scope[armed]) {
  scope[armed] = true;
  const ffi = createRequire(import.meta.url)('koffi') as typeof koffi;
  const usleep = ffi.load('libc.so.6').func('int usleep(uint32_t)');
  const hold = (): void => usleep.async(Math.round(slowIoMs * 1000), () => hold());
  const threads = Number(process.env.UV_THREADPOOL_SIZE ?? 4);
  for (let i = 0; i < threads; i++) hold();
}
