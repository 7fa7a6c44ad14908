// Each block's setpoint and tolerance over time, kept so the operator's plots can draw the setpoint
// that was in force then rather than today's. A change is written as a row of the readings log
// (same daily TSV files, same disk-fault handling) in the series `setpoint-<block>` and, when the
// command named one, `tolerance-<block>`; and told live to the web pages.
//
// The setpoint changes when a command is taken, and when a block adopts its output at start (the
// estimate first, then the first settled reading): what the block held, measured, is history too.

export interface SetpointChange {
  block: number;
  /** Clock ms. */
  at: number;
  /** HV volts. */
  setpoint: number;
  /** The max_error of the command that set it, volts; null when no command has named one. */
  tolerance: number | null;
}

export interface SetpointSink {
  append(series: string, at: number, volts: number): Promise<void>;
}

export const setpointSeries = (block: number | string) => `setpoint-${block}`;
export const toleranceSeries = (block: number | string) => `tolerance-${block}`;

export class SetpointLog {
  private readonly last = new Map<number, SetpointChange>();

  constructor(
    private readonly sink: SetpointSink,
    /** Told of every change (the observers' live feed). */
    private readonly changed: (change: SetpointChange) => void = () => {},
  ) {}

  /** The setpoint in force for each block, since the server started. */
  current(): SetpointChange[] {
    return [...this.last.values()].map((c) => ({ ...c }));
  }

  /**
   * A block's snapshot: its setpoint, and the tolerance of the command that set it when there is one.
   * Nothing happens unless the setpoint or the tolerance changed.
   */
  observe(block: number, setpoint: number | null, tolerance: number | null, at: number): void {
    if (setpoint === null || !Number.isFinite(setpoint)) return;
    const before = this.last.get(block);
    // A set_voltage without a tolerance keeps the one before: the operator's band does not vanish.
    const tol = tolerance ?? before?.tolerance ?? null;
    if (before && before.setpoint === setpoint && before.tolerance === tol) return;
    const change = { block, at, setpoint, tolerance: tol };
    this.last.set(block, change);
    // A refused write waits in the log's backlog; a log already closed at shutdown loses nothing that matters.
    this.sink.append(setpointSeries(block), at, setpoint).catch(() => {});
    if (tol !== null && tol !== before?.tolerance) this.sink.append(toleranceSeries(block), at, tol).catch(() => {});
    this.changed({ ...change });
  }
}
