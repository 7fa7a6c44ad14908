// Bounds how much one client can make the server log: a client sending garbage in a loop must not
// turn into gigabytes of log lines (or of log buffer in memory).

/** Whether to log an event, and how many were left out since the last one logged. */
export interface Throttle {
  take(): { log: boolean; suppressed: number };
}

export class LogThrottle {
  private seen = 0;
  private suppressed = 0;
  private windowStart: number | null = null;

  constructor(
    /** Lines logged in full before throttling starts. */
    private readonly freeLines = 20,
    /** After that, one line for every this many. */
    private readonly every = 1000,
    /** The free lines come back this long (clock ms) after the first of them: a client that errs now and then is always heard. */
    private readonly windowMs = Infinity,
  ) {}

  /** Whether to log this event (`now` on the program's clock); `suppressed` counts the events not logged since the last one that was. */
  take(now = 0): { log: boolean; suppressed: number } {
    if (this.windowStart === null || now - this.windowStart >= this.windowMs) {
      this.windowStart = now;
      this.seen = 0;
    }
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
