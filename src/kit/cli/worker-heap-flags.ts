// The V8 flags and the C library's memory settings the supervising process gives the server's
// worker process. Under systemd, without the supervising process, deploy/hv-server.service gives
// the same (NODE_OPTIONS and GLIBC_TUNABLES).
//
// The young generation. The server's garbage is short-lived (a reading, a command, a reply), yet
// V8 grows the young generation to 2 × 8 MB on the burst of long-lived objects made while the
// server starts, and keeps it: 16 MB of an idle server's RSS, most of it never used again. Capped
// at 2 × 2 MB, an idle server holds 12 MB less; measured with `npm run bench:load` and
// `npm run bench:day` (README, Benchmark), the simulated day's CPU and the error round trip stay
// within their run-to-run spread. A 1 MB cap costs about 10 % more CPU in a simulated day (more
// objects promoted before they die), so 2 MB it is.
//
// V8's worker threads. Node starts four for V8 (garbage collection helpers, the optimizing
// compiler) whatever the machine; each has its stack and, in glibc, a malloc arena of its own that
// keeps what it freed. Two are as many as the rack PC's cores give work to at once for a heap this
// small.
//
// The old generation's ceiling. V8 lets the old generation grow to up to 4 × what the last full
// collection kept when its ceiling is 2 GB or more (Node's default where the machine has memory to
// spare: 4 GB on the development machine), and up to 1.3-2 × below that. After 1000 TCP and 1000
// websocket clients left, an idle server's old generation held 34 MiB, 24 of them garbage, until
// the simulated rack's slow allocation reached the limit V8 had set from the clients' busy minute;
// at 1 GB it held 24 MiB. At 1 GB the factor is at most 1.6 on every rack PC, whatever its
// memory, and a server that needed more heap than that would be leaking: it ends, and the
// supervising process starts it again, the HV untouched.
//
// What the V8 flags cost at start. Node compiles its own modules (net, http, streams, the ESM
// loader ...) from a code cache built with V8's default flags, and V8 rejects that cache under any
// other V8 flag (the flags' hash is part of it): the server's process compiles the 124 of Node's
// modules it loads from source, and is ready 35-38 ms later on the development machine (medians
// of 11 starts taking turns, two runs; 4.32 x a bare node's port against 3.65 x in one full
// `bench:load` each). The same full runs without them: 44.5 MiB above idle 60 s after 1000 TCP and
// 1000 websocket clients left (5.0 with them), 111-120 MiB after the slow clients (79-80). Online's
// port is the supervising process's, which runs without them, so they stay. `--v8-pool-size` is
// Node's own flag, not V8's, and costs the cache nothing.
//
// glibc's malloc. Each thread that allocates gets an arena of its own (up to 8 per core), and after
// a burst of connections the freed memory stays in them: 1000 TCP and 1000 websocket clients left
// 6-7 MiB more private memory outside V8's heap behind them, in the main arena and the V8 threads'
// four. With two arenas and blocks of 64 KiB or more (a socket read's buffer) mapped on their own,
// so that freeing one gives it back to the system, about 3 MiB were left.

/** Megabytes of each of the young generation's two halves. */
export const WORKER_SEMI_SPACE_MB = 2;
/** The old generation's ceiling, MB (V8's heap growing factor is at most 1.6 below 2 GB). */
export const WORKER_OLD_SPACE_MB = 1024;
/** V8's worker threads (Node's --v8-pool-size; its default is 4). */
export const WORKER_V8_THREADS = 2;
/** glibc's settings (GLIBC_TUNABLES): two arenas, and blocks of 64 KiB or more mapped on their own. */
export const WORKER_MALLOC_TUNABLES = { 'glibc.malloc.arena_max': '2', 'glibc.malloc.mmap_threshold': '65536' } as const;
/** The older environment variables that set the same, which a person's choice may use instead. */
const MALLOC_ENV: Record<keyof typeof WORKER_MALLOC_TUNABLES, string> = {
  'glibc.malloc.arena_max': 'MALLOC_ARENA_MAX',
  'glibc.malloc.mmap_threshold': 'MALLOC_MMAP_THRESHOLD_',
};

const WORKER_FLAGS = [
  ['--max-semi-space-size', WORKER_SEMI_SPACE_MB],
  ['--v8-pool-size', WORKER_V8_THREADS],
  ['--max-old-space-size', WORKER_OLD_SPACE_MB],
] as const;

/**
 * The worker's execArgv: the supervisor's own (what Node was started with) plus the young
 * generation's cap, V8's thread count and the old generation's ceiling, each unless the person
 * starting it chose one (on the command line or in NODE_OPTIONS).
 */
export function workerExecArgv(execArgv: readonly string[], nodeOptions: string | undefined): string[] {
  const given = [...execArgv, ...(nodeOptions ?? '').split(/\s+/)];
  const chosen = (flag: string) => given.some((arg) => arg === flag || arg.startsWith(`${flag}=`));
  return [...execArgv, ...WORKER_FLAGS.filter(([flag]) => !chosen(flag)).map(([flag, value]) => `${flag}=${value}`)];
}

/**
 * The worker's environment: the supervisor's plus glibc's malloc settings in GLIBC_TUNABLES, each
 * unless the environment sets it already (in GLIBC_TUNABLES or by its older variable).
 */
export function workerEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const present = (env.GLIBC_TUNABLES ?? '').split(':').filter(Boolean);
  const added = Object.entries(WORKER_MALLOC_TUNABLES)
    .filter(([name]) => !present.some((t) => t.startsWith(`${name}=`)) && env[MALLOC_ENV[name as keyof typeof MALLOC_ENV]] === undefined)
    .map(([name, value]) => `${name}=${value}`);
  return added.length === 0 ? { ...env } : { ...env, GLIBC_TUNABLES: [...present, ...added].join(':') };
}
