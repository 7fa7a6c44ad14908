// Waiting for a state that no event announces (a file renamed into place, a count reached in
// another process's output): look again every few milliseconds until it holds. It has no time
// bound of its own, so it cannot fail on a machine that is merely slow; a state that never comes
// is the test's time-out.

/** Resolves once `holds()` is true, looking again every `everyMs` of real time. */
export async function eventually(holds: () => boolean, everyMs = 5): Promise<void> {
  while (!holds()) await new Promise((resolve) => setTimeout(resolve, everyMs));
}

/**
 * As `eventually`, but gives up after `ms` of real time with the tail of a process's output: for
 * waits on real processes, where `ms` is many times what they need and the output says why not.
 */
export async function eventuallyWithin(holds: () => boolean, ms: number, output?: () => string): Promise<void> {
  const until = Date.now() + ms;
  while (!holds()) {
    if (Date.now() > until) throw new Error(`not within ${ms} ms${output ? `:\n${output().slice(-4000)}` : ''}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * Sends `command` as Online does to a server that may still be starting: answered 8 (busy), it is
 * sent again 5 s later, at most four times in all. Resolves once the last one is answered.
 */
export async function sendAsOnline(online: { answers: { error_code?: unknown }[]; send(meta: Record<string, unknown>): void }, command: Record<string, unknown>, ms: number, output?: () => string): Promise<void> {
  for (let tries = 0; ; tries++) {
    const seen = online.answers.length;
    online.send(command);
    await eventuallyWithin(() => online.answers.length > seen, ms, output);
    if (online.answers[seen]!.error_code !== 8 || tries === 3) return;
    await new Promise((r) => setTimeout(r, 5000));
  }
}
