// Counting the requests to stop when a stop can reach the server twice: directly, as a signal to
// its own process, and as the supervisor's copy of the signal it got (process-supervisor.ts). Ctrl+C in a
// terminal, a Windows console event, or systemd stopping every process of the service reach both
// the supervisor and the worker; `kill` of the supervisor's pid, the supervisor alone. Each action
// of a person reaches the worker once by either way, or once by each, so the number of actions is
// the larger of the two counts: the first starts a clean stop, a second exits at once, and the
// supervisor's copy of a signal the worker also got is not taken for a second.

export type StopFrom = 'signal' | 'supervisor';

/** `first` starts the clean stop; `again` asks to exit at once; `echo` is a copy of a request already counted. */
export type StopCount = 'first' | 'again' | 'echo';

export class StopRequests {
  private direct = 0;
  private forwarded = 0;

  note(from: StopFrom): StopCount {
    const before = Math.max(this.direct, this.forwarded);
    if (from === 'signal') this.direct++;
    else this.forwarded++;
    const after = Math.max(this.direct, this.forwarded);
    if (after === before) return 'echo';
    return after === 1 ? 'first' : 'again';
  }
}
