// Bounds how much one client can make the server log: a client sending garbage in a loop must not
// turn into gigabytes of log lines (or of log buffer in memory).

export class LogThrottle {
  private seen = 0;
  private suppressed = 0;

  constructor(
    /** Lines logged in full before throttling starts. */
    private readonly freeLines = 20,
    /** After that, one line for every this many. */
    private readonly every = 1000,
  ) {}

  /** Whether to log this event; `suppressed` counts the events not logged since the last one that was. */
  take(): { log: boolean; suppressed: number } {
    this.seen++;
    if (this.seen <= this.freeLines || this.seen % this.every === 0) {
      const suppressed = this.suppressed;
      this.suppressed = 0;
      return { log: true, suppressed };
    }
    this.suppressed++;
    return { log: false, suppressed: this.suppressed };
  }
}

/** A logger's warn, throttled: the first lines in full, then one in every thousand with the count left out. */
export function throttledLogger(log: { warn: (fields: object, message: string) => void }) {
  const throttle = new LogThrottle();
  return {
    warn(fields: object, message: string): void {
      const { log: now, suppressed } = throttle.take();
      if (now) log.warn({ ...fields, suppressed }, message);
    },
  };
}
