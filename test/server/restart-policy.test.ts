// The supervising process's decisions (src/kit/cli/process-supervisor.ts), each case without a
// process: when a worker is started again and after what wait, when it gives up, how a stop that
// reaches the server twice counts once, whose systemd sockets are whose, and when the executable
// supervises at all, and the V8 flags its worker gets.
import { describe, expect, it } from 'vitest';
import { afterWorkerEnd, DEFAULT_RESTART_POLICY, type WorkerEnd } from '../../src/kit/cli/restart-policy.js';
import { StopRequests } from '../../src/kit/cli/stop-requests.js';
import { systemdSockets, forgetSystemdSockets } from '../../src/kit/cli/systemd-socket.js';
import { supervisionWanted } from '../../src/kit/cli/supervision-wanted.js';
import { WORKER_MALLOC_TUNABLES, WORKER_OLD_SPACE_MB, WORKER_SEMI_SPACE_MB, WORKER_V8_THREADS, workerEnv, workerExecArgv } from '../../src/kit/cli/worker-heap-flags.js';

const crash: WorkerEnd = { code: null, signal: 'SIGKILL', stopRequested: false, everReady: true };
const minute = 60_000;

describe('restart policy', () => {
  it('starts a crashed server again at once: Online’s one reconnect comes a second later', () => {
    expect(afterWorkerEnd(crash, [], 0)).toMatchObject({ action: 'restart', delayMs: 0 });
    expect(afterWorkerEnd({ ...crash, code: 1, signal: null }, [], 0)).toMatchObject({ action: 'restart', delayMs: 0 });
  });

  it('waits longer after each further crash within the window, then gives up with exit 1', () => {
    const restarts: number[] = [];
    const delays: number[] = [];
    let now = 0;
    for (;;) {
      const decision = afterWorkerEnd(crash, restarts, now);
      if (decision.action === 'exit') {
        expect(decision).toMatchObject({ code: 1, why: expect.stringMatching(/^5 restarts within 10 min already; giving up \(killed by SIGKILL\)$/) });
        break;
      }
      delays.push(decision.delayMs);
      now += decision.delayMs;
      restarts.push(now);
      now += 1000; // each new worker crashes a second after it started
    }
    expect(delays).toEqual([0, 1000, 2000, 4000, 8000]);
  });

  it('forgets restarts older than the window: a server that crashes once a day is always started again at once', () => {
    const day = 24 * 60 * minute;
    const restarts = [0, day, 2 * day, 3 * day, 4 * day, 5 * day];
    expect(afterWorkerEnd(crash, restarts, 6 * day)).toMatchObject({ action: 'restart', delayMs: 0 });
    // The restart at 0 leaves the window at 10 min: one restart counts, then two.
    expect(afterWorkerEnd(crash, [0, 9 * minute], 10 * minute + 1)).toMatchObject({ action: 'restart', delayMs: 1000 });
    expect(afterWorkerEnd(crash, [0, 9 * minute], 10 * minute - 1)).toMatchObject({ action: 'restart', delayMs: 2000 });
  });

  it('caps the wait', () => {
    const policy = { ...DEFAULT_RESTART_POLICY, maxRestarts: 20 };
    expect(afterWorkerEnd(crash, Array.from({ length: 10 }, (_, i) => i), 10, policy)).toMatchObject({ action: 'restart', delayMs: 30_000 });
  });

  it.each([
    ['a stop that was asked for', { ...crash, stopRequested: true, code: 0, signal: null }, 0],
    ['a stop that was asked for and ended at once (a second signal)', { ...crash, stopRequested: true, code: 1, signal: null }, 1],
    ['a worker killed during a stop', { ...crash, stopRequested: true }, 1],
    ['a clean exit nobody asked for', { ...crash, code: 0, signal: null }, 0],
    ['a refused configuration (exit 2): it would be refused again', { ...crash, code: 2, signal: null }, 2],
    ['a first start that failed (port in use)', { ...crash, code: 1, signal: null, everReady: false }, 1],
  ] as const)('exits, not restarting, after %s, with the worker’s code', (_, end, code) => {
    expect(afterWorkerEnd(end, [], 0)).toMatchObject({ action: 'exit', code });
  });
});

describe('stop requests that reach the server by two ways', () => {
  it('counts Ctrl+C once when both the server and its supervisor got it, in either order', () => {
    const a = new StopRequests();
    expect([a.note('signal'), a.note('supervisor')]).toEqual(['first', 'echo']);
    const b = new StopRequests();
    expect([b.note('supervisor'), b.note('signal')]).toEqual(['first', 'echo']);
  });

  it('takes a second Ctrl+C as the request to exit at once, whichever copy comes first', () => {
    const r = new StopRequests();
    expect([r.note('signal'), r.note('supervisor'), r.note('supervisor'), r.note('signal')]).toEqual(['first', 'echo', 'again', 'echo']);
  });

  it('counts each signal of one way alone: a kill of the supervisor’s pid, twice', () => {
    const r = new StopRequests();
    expect([r.note('supervisor'), r.note('supervisor')]).toEqual(['first', 'again']);
  });
});

describe('systemd’s sockets', () => {
  it('are this process’s when LISTEN_PID names it: descriptor 3 and on', () => {
    expect(systemdSockets({ LISTEN_PID: '42', LISTEN_FDS: '1' }, 42)).toEqual({ fd: 3, count: 1 });
    expect(systemdSockets({ LISTEN_PID: '42', LISTEN_FDS: '2', LISTEN_FDNAMES: 'a:b' }, 42)).toEqual({ fd: 3, count: 2 });
  });

  it('are not when they were meant for another process, or there are none', () => {
    expect(systemdSockets({ LISTEN_PID: '41', LISTEN_FDS: '1' }, 42)).toBeNull();
    expect(systemdSockets({ LISTEN_FDS: '1' }, 42)).toBeNull();
    expect(systemdSockets({ LISTEN_PID: '42', LISTEN_FDS: '0' }, 42)).toBeNull();
    expect(systemdSockets({ LISTEN_PID: '42', LISTEN_FDS: 'x' }, 42)).toBeNull();
    expect(systemdSockets({}, 42)).toBeNull();
  });

  it('are forgotten once taken, so no program the server starts takes them for its own', () => {
    const env: NodeJS.ProcessEnv = { LISTEN_PID: '42', LISTEN_FDS: '1', LISTEN_FDNAMES: 'online', PATH: '/bin' };
    forgetSystemdSockets(env);
    expect(env).toEqual({ PATH: '/bin' });
  });
});

describe('whether hv-server supervises', () => {
  it('does by default', () => {
    expect(supervisionWanted(['--sim', '--tcp-port', '5555'], {}, 42)).toBe(true);
    expect(supervisionWanted([], {}, 42)).toBe(true);
  });

  it('does not with --no-supervise, for a subcommand, in its own worker, or when systemd holds the port', () => {
    expect(supervisionWanted(['--sim', '--no-supervise'], {}, 42)).toBe(false);
    expect(supervisionWanted(['check-config', 'rack.yaml'], {}, 42)).toBe(false);
    expect(supervisionWanted(['--sim'], { HV_SUPERVISOR: '41' }, 42)).toBe(false);
    expect(supervisionWanted(['--sim'], { LISTEN_PID: '42', LISTEN_FDS: '1' }, 42)).toBe(false);
    // systemd's variables meant for another process do not count.
    expect(supervisionWanted(['--sim'], { LISTEN_PID: '41', LISTEN_FDS: '1' }, 42)).toBe(true);
  });
});

describe('the worker’s V8 flags', () => {
  const cap = `--max-semi-space-size=${WORKER_SEMI_SPACE_MB}`;
  const threads = `--v8-pool-size=${WORKER_V8_THREADS}`;
  const ceiling = `--max-old-space-size=${WORKER_OLD_SPACE_MB}`;

  it('caps the young generation, V8’s threads and the old generation in the server’s process, keeping the flags Node was started with', () => {
    expect(workerExecArgv(['--enable-source-maps'], undefined)).toEqual(['--enable-source-maps', cap, threads, ceiling]);
    expect(workerExecArgv([], '')).toEqual([cap, threads, ceiling]);
    expect(WORKER_OLD_SPACE_MB).toBeLessThan(2048); // below 2 GB V8 grows the old generation by at most 2 ×, not 4 ×
  });

  it('leaves each to whoever chose one, on the command line or in NODE_OPTIONS', () => {
    expect(workerExecArgv(['--max-semi-space-size=8'], undefined)).toEqual(['--max-semi-space-size=8', threads, ceiling]);
    expect(workerExecArgv(['--max-semi-space-size', '8'], undefined)).toEqual(['--max-semi-space-size', '8', threads, ceiling]);
    expect(workerExecArgv([], '--no-warnings --max-semi-space-size=16')).toEqual([threads, ceiling]);
    expect(workerExecArgv(['--v8-pool-size=8'], undefined)).toEqual(['--v8-pool-size=8', cap, ceiling]);
    expect(workerExecArgv([], '--v8-pool-size=1 --max-semi-space-size=1 --max-old-space-size=4096')).toEqual([]);
    // A flag that only begins the same way is another flag.
    expect(workerExecArgv(['--max-semi-space-size-x'], undefined)).toEqual(['--max-semi-space-size-x', cap, threads, ceiling]);
  });
});

describe('the worker’s malloc settings', () => {
  it('gives the server’s process two arenas and blocks of 64 KiB or more mapped on their own, keeping the rest of the environment', () => {
    expect(workerEnv({ PATH: '/bin' })).toEqual({ PATH: '/bin', GLIBC_TUNABLES: 'glibc.malloc.arena_max=2:glibc.malloc.mmap_threshold=65536' });
    expect(WORKER_MALLOC_TUNABLES).toEqual({ 'glibc.malloc.arena_max': '2', 'glibc.malloc.mmap_threshold': '65536' });
  });

  it('keeps the tunables already given, and leaves each setting to whoever chose it, as a tunable or by its older variable', () => {
    expect(workerEnv({ GLIBC_TUNABLES: 'glibc.malloc.tcache_count=0' })).toEqual({
      GLIBC_TUNABLES: 'glibc.malloc.tcache_count=0:glibc.malloc.arena_max=2:glibc.malloc.mmap_threshold=65536',
    });
    expect(workerEnv({ GLIBC_TUNABLES: 'glibc.malloc.arena_max=8' })).toEqual({ GLIBC_TUNABLES: 'glibc.malloc.arena_max=8:glibc.malloc.mmap_threshold=65536' });
    expect(workerEnv({ MALLOC_ARENA_MAX: '4' })).toEqual({ MALLOC_ARENA_MAX: '4', GLIBC_TUNABLES: 'glibc.malloc.mmap_threshold=65536' });
    const chosen = { GLIBC_TUNABLES: 'glibc.malloc.mmap_threshold=1048576', MALLOC_ARENA_MAX: '1' };
    expect(workerEnv(chosen)).toEqual(chosen);
    // A tunable that only begins the same way is another tunable.
    expect(workerEnv({ GLIBC_TUNABLES: 'glibc.malloc.arena_maxx=3' }).GLIBC_TUNABLES).toBe('glibc.malloc.arena_maxx=3:glibc.malloc.arena_max=2:glibc.malloc.mmap_threshold=65536');
  });
});
