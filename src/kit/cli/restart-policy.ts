// What the port-holding supervisor (process-supervisor.ts) does when its server worker ends: start another
// at once, after a back-off, or end itself with the worker's exit code. Pure, so every case is
// tested without a process.
//
// Online reconnects once, about a second after it loses the server, and its reconnect waits in the
// held port's backlog; so the first restart is immediate and only a worker that keeps failing is
// made to wait. As an OTP supervisor's restart intensity: past `maxRestarts` in `windowMs` the
// supervisor gives up and exits non-zero, for the service manager (or a person) to decide.

export interface RestartPolicy {
  /** Restarts allowed within `windowMs`; one more crash in that time ends the supervisor. */
  maxRestarts: number;
  windowMs: number;
  /** The wait before the second restart in the window; doubled for each further one. The first is immediate. */
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RESTART_POLICY: RestartPolicy = { maxRestarts: 5, windowMs: 10 * 60_000, baseDelayMs: 1_000, maxDelayMs: 30_000 };

/** Exit code of a configuration the server refused: it would only be refused again. */
export const CONFIG_REFUSED = 2;

/** How a worker ended, and what the supervisor knew of it. */
export interface WorkerEnd {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** A stop was asked for (a signal to the supervisor): the worker's end is the supervisor's. */
  stopRequested: boolean;
  /** Some worker of this supervisor once got as far as serving: the configuration and the machine can run it. */
  everReady: boolean;
}

export type Decision = { action: 'exit'; code: number; why: string } | { action: 'restart'; delayMs: number; why: string };

/** How the worker ended, in words: "exit 1", "SIGKILL". */
export function endWords(end: Pick<WorkerEnd, 'code' | 'signal'>): string {
  return end.signal ? `killed by ${end.signal}` : `exit ${end.code ?? '?'}`;
}

/**
 * What to do after a worker ended. `restartsAt` are the times (ms) of the restarts done so far,
 * oldest first; only those within the window count.
 */
export function afterWorkerEnd(end: WorkerEnd, restartsAt: readonly number[], now: number, policy: RestartPolicy = DEFAULT_RESTART_POLICY): Decision {
  // A worker killed by a signal has no exit code of its own; 1, as for any failure.
  const code = end.code ?? 1;
  if (end.stopRequested) return { action: 'exit', code, why: 'stopped as asked' };
  if (end.code === 0) return { action: 'exit', code: 0, why: 'the server ended by itself with exit 0' };
  if (end.code === CONFIG_REFUSED) return { action: 'exit', code, why: 'the configuration was refused (exit 2); starting again would be refused too' };
  if (!end.everReady) return { action: 'exit', code, why: `the server never started (${endWords(end)})` };
  const recent = restartsAt.filter((at) => now - at < policy.windowMs).length;
  if (recent >= policy.maxRestarts) {
    return { action: 'exit', code: 1, why: `${recent} restarts within ${policy.windowMs / 60_000} min already; giving up (${endWords(end)})` };
  }
  const delayMs = recent === 0 ? 0 : Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (recent - 1));
  return { action: 'restart', delayMs, why: `restart ${recent + 1} of at most ${policy.maxRestarts} within ${policy.windowMs / 60_000} min` };
}
