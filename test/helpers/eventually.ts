// Waiting for a state that no event announces (a file renamed into place, a count reached in
// another process's output): look again every few milliseconds until it holds. It has no time
// bound of its own, so it cannot fail on a machine that is merely slow; a state that never comes
// is the test's time-out.

/** Resolves once `holds()` is true, looking again every `everyMs` of real time. */
export async function eventually(holds: () => boolean, everyMs = 5): Promise<void> {
  while (!holds()) await new Promise((resolve) => setTimeout(resolve, everyMs));
}
