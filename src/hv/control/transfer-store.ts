// Keeps each block's learned transfer in the data directory (transfer/block-N.json), so the first
// setpoint after a restart lands as close as the last one did. Written at most once every
// `intervalMs` of the clock (5 min) (the first change at once, later ones coalesced), on `flush()` and on
// `close()`; one write at a time, asynchronously, so learning from a reading never waits on the
// disk. A file that cannot be read is set aside, never trusted.
//
// Each save goes to a temporary file renamed over the old one, so a crash leaves the old transfer
// or the new one, never half of one. A save the disk refuses removes its temporary
// file, keeps the state in memory and is tried again (on the next save, or on the clock).

import { readFileSync, renameSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Clock, TimerHandle } from '../../kit/clock/clock.js';
import { unwatchedHealth, writeErrorText, type StorageHealth } from '../../kit/storage/storage-health.js';
import type { EstimatorState } from './transfer-estimator.js';

export interface TransferStoreOptions {
  /** Told when saves start failing and when they work again. */
  health?: StorageHealth;
  /** The program's clock, to retry a refused save while nothing new is learned. */
  clock?: Pick<Clock, 'setTimeout' | 'clearTimeout'>;
  retryMs?: number;
  /** Shortest time between two rounds of writes on the clock (5 min); without a clock every save is written at once. */
  intervalMs?: number;
}

/** A learned transfer changes with every reading while a block holds: on disk every five minutes is enough (a restart loses at most that much learning, which the next readings make up). */
export const DEFAULT_TRANSFER_SAVE_INTERVAL_MS = 300_000;

/**
 * What a save writes: a state, or a function giving the present state when the save is written, so
 * a block that learns at every reading does not copy its points at every reading.
 */
export type TransferSource = EstimatorState | (() => EstimatorState);

export class TransferStore {
  private writing: Promise<void> = Promise.resolve();
  private busy = false;
  private readonly pending = new Map<number, TransferSource>();
  /** Saves the disk refused, by block, until one succeeds. */
  private readonly refused = new Map<number, { state: TransferSource; error: unknown }>();
  private retryTimer: TimerHandle | null = null;
  /** Set while a round of writes was started less than `intervalMs` ago: saves wait for it. */
  private spacingTimer: TimerHandle | null = null;
  private faulted = false;
  /** Whether the directory is known to exist (made once, not at every save). */
  private dirMade = false;
  private closed = false;
  private readonly health: StorageHealth;

  constructor(
    private readonly dir: string,
    /** Told about a learned file that could not be read (and was set aside). */
    private readonly onError: (message: string) => void = () => {},
    private readonly options: TransferStoreOptions = {},
  ) {
    this.health = options.health ?? unwatchedHealth;
  }

  pathFor(block: number): string {
    return join(this.dir, `block-${block}.json`);
  }

  load(block: number): EstimatorState | null {
    const path = this.pathFor(block);
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch {
      return null; // nothing learned yet
    }
    try {
      const state = JSON.parse(text) as EstimatorState;
      if (!Array.isArray(state.points)) throw new Error('no "points" list');
      return state;
    } catch (err) {
      const aside = `${path}.unreadable-${Date.now()}`;
      renameSync(path, aside);
      this.onError(`learned transfer ${path} is not readable (${(err as Error).message}); moved to ${aside}, starting from the configured coefficients`);
      return null;
    }
  }

  /** Queues a save; saves of the same block coalesce, and are written at most once every `intervalMs`. */
  save(block: number, state: TransferSource): void {
    this.pending.set(block, state);
    this.retryRefused();
    if (this.spacingTimer !== null) return; // written when the interval is over
    this.writePending();
  }

  /** Writes what is queued now; settles once the saves queued so far have been written or refused. */
  async flush(): Promise<void> {
    this.cancelSpacing();
    if (this.pending.size > 0) this.writePending();
    // A round that was running leaves what came during it to the next round, which starts at once
    // now that no interval is running.
    while (this.busy) await this.writing;
  }

  /** Writes what is queued, waits for it, and stops retrying refused saves. */
  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
    this.cancelRetry();
    this.cancelSpacing();
    await this.writing;
  }

  /** Blocks whose latest transfer is only in memory. */
  get unsaved(): number[] {
    return [...this.refused.keys()];
  }

  private writePending(): void {
    if (this.busy) return; // the round that is running ends by looking again
    this.busy = true;
    this.startSpacing();
    this.writing = this.writeRound();
  }

  /** Saves from now on wait `intervalMs` (on the clock; without one, nothing waits). */
  private startSpacing(): void {
    const clock = this.options.clock;
    if (!clock || this.closed || this.spacingTimer !== null) return;
    this.spacingTimer = clock.setTimeout(() => {
      this.spacingTimer = null;
      if (this.pending.size > 0) this.writePending();
    }, this.options.intervalMs ?? DEFAULT_TRANSFER_SAVE_INTERVAL_MS);
  }

  private cancelSpacing(): void {
    if (this.spacingTimer !== null) this.options.clock?.clearTimeout(this.spacingTimer);
    this.spacingTimer = null;
  }

  /**
   * Writes the saves queued when it starts. Saves queued while it writes wait for the interval, as
   * any save does: when the clock runs faster than the disk (a simulated day, a training server at a
   * high time scale), a round that took them too would write again and again, at the disk's pace
   * rather than once an interval.
   */
  private async writeRound(): Promise<void> {
    const round = [...this.pending];
    this.pending.clear();
    try {
      for (const [block, state] of round) {
        try {
          await this.write(block, state);
          this.refused.delete(block);
        } catch (err) {
          this.refused.set(block, { state, error: err });
        }
      }
    } finally {
      this.busy = false;
    }
    this.report();
    // What came meanwhile goes now if the interval is already over (or there is none), else when it is.
    if (this.pending.size > 0 && this.spacingTimer === null) this.writePending();
  }

  private async write(block: number, source: TransferSource): Promise<void> {
    const state = typeof source === 'function' ? source() : source;
    const path = this.pathFor(block);
    const temp = `${path}.tmp`;
    try {
      if (!this.dirMade) await mkdir(this.dir, { recursive: true });
      this.dirMade = true;
      // No fsync: a save is cheap to lose (the next one comes with the next learned reading) and a
      // file cut short by a power failure is set aside at load, never trusted.
      await writeFile(temp, `${JSON.stringify(state)}\n`);
      await rename(temp, path);
    } catch (err) {
      this.dirMade = false;
      await rm(temp, { force: true }).catch(() => {});
      throw err;
    }
  }

  private report(): void {
    const first = this.refused.entries().next();
    if (first.done) {
      if (this.faulted) {
        this.faulted = false;
        this.cancelRetry();
        this.health.recovered('learned transfers are saved again');
      }
      return;
    }
    this.faulted = true;
    const [block, { error }] = first.value;
    const blocks = [...this.refused.keys()];
    this.health.failing(
      `learned transfer of block ${block} could not be saved to ${this.pathFor(block)} (${writeErrorText(error)}); expected a data directory this user can write, with free space; ` +
        `the latest transfer of block ${blocks.join(', ')} is kept in memory and saved when the disk allows`,
      blocks.length,
    );
    this.scheduleRetry();
  }

  private scheduleRetry(): void {
    const clock = this.options.clock;
    if (!clock || this.closed || this.retryTimer !== null) return;
    this.retryTimer = clock.setTimeout(() => {
      this.retryTimer = null;
      if (this.retryRefused()) this.writePending();
    }, this.options.retryMs ?? 30_000);
  }

  private cancelRetry(): void {
    if (this.retryTimer !== null) this.options.clock?.clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  /** Queues the refused saves again; whether there were any. */
  private retryRefused(): boolean {
    for (const [block, { state }] of this.refused) if (!this.pending.has(block)) this.pending.set(block, state);
    return this.refused.size > 0;
  }
}
