// The V8 flags the supervising process gives the server's worker process. The server's garbage is
// short-lived (a reading, a command, a reply), yet V8 grows the young generation to 2 × 8 MB on
// the burst of long-lived objects made while the server starts, and keeps it: 16 MB of an idle
// server's RSS, most of it never used again. Capped at 2 × 2 MB, an idle server holds 12 MB less;
// measured with `npm run bench:load` and `npm run bench:day` (README, Benchmark), the simulated
// day's CPU and the error round trip stay within their run-to-run spread. A 1 MB cap costs about
// 10 % more CPU in a simulated day (more objects promoted before they die), so 2 MB it is.
// Under systemd, without the supervising process, deploy/hv-server.service gives the same flag
// through NODE_OPTIONS.

/** Megabytes of each of the young generation's two halves. */
export const WORKER_SEMI_SPACE_MB = 2;

const SEMI_SPACE_FLAG = '--max-semi-space-size';

/**
 * The worker's execArgv: the supervisor's own (what Node was started with) plus the young
 * generation's cap, unless the person starting it chose one (on the command line or in NODE_OPTIONS).
 */
export function workerExecArgv(execArgv: readonly string[], nodeOptions: string | undefined): string[] {
  const chosen = [...execArgv, ...(nodeOptions ?? '').split(/\s+/)].some((arg) => arg === SEMI_SPACE_FLAG || arg.startsWith(`${SEMI_SPACE_FLAG}=`));
  return chosen ? [...execArgv] : [...execArgv, `${SEMI_SPACE_FLAG}=${WORKER_SEMI_SPACE_MB}`];
}
