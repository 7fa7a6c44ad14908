// Logs an event that can come in floods (a refused connection) once per window of real time: the
// first at once, then one line saying how many more there were. A flood of 10,000 refused sockets is
// a few lines, and a refusal a week after the last one is still logged at once.

export interface WarnLog {
  warn(fields: object, message: string): void;
}

export class WindowedLog {
  private windowEnds = -Infinity;
  private suppressed = 0;
  private last: { fields: object; message: string } | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly log: WarnLog,
    private readonly windowMs = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Logs this event now, or counts it into the summary at the end of the present window. */
  warn(fields: object, message: string): void {
    const t = this.now();
    if (t >= this.windowEnds) {
      this.log.warn({ ...fields, suppressed: 0 }, message);
      this.windowEnds = t + this.windowMs;
      return;
    }
    this.suppressed++;
    this.last = { fields, message };
    // Real time: the summary is about the flood as the peers saw it, not the (maybe scaled) rack clock.
    this.timer ??= setTimeout(() => this.summarize(), Math.max(0, this.windowEnds - t)).unref();
  }

  /** Logs the count of events held back since the last line, with the latest one's fields. */
  summarize(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.suppressed === 0 || !this.last) return;
    const { fields, message } = this.last;
    const count = this.suppressed;
    this.suppressed = 0;
    this.last = null;
    this.windowEnds = this.now() + this.windowMs;
    this.log.warn({ ...fields, suppressed: count }, `${count} more like this in the last ${Math.round(this.windowMs / 1000)} s; the latest: ${message}`);
  }
}
