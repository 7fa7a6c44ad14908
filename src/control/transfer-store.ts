// Keeps each block's learned transfer in the data directory (transfer/block-N.json), so the first
// setpoint after a restart lands as close as the last one did. Written after each change, one
// write at a time; a file that cannot be read is set aside, never trusted.

import { mkdirSync, readFileSync, renameSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { EstimatorState } from './transfer-estimator.js';

export class TransferStore {
  private writing: Promise<void> = Promise.resolve();
  private pending = new Map<number, EstimatorState>();

  constructor(
    private readonly dir: string,
    private readonly onError: (message: string) => void = () => {},
  ) {}

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

  /** Queues a save; saves of the same block coalesce. */
  save(block: number, state: EstimatorState): void {
    const first = !this.pending.has(block);
    this.pending.set(block, state);
    if (!first) return;
    this.writing = this.writing.then(async () => {
      const latest = this.pending.get(block)!;
      this.pending.delete(block);
      try {
        mkdirSync(this.dir, { recursive: true });
        const path = this.pathFor(block);
        await writeFile(`${path}.tmp`, `${JSON.stringify(latest)}\n`);
        await rename(`${path}.tmp`, path);
      } catch (err) {
        this.onError(`learned transfer of block ${block} not saved: ${(err as Error).message}`);
      }
    });
  }

  flush(): Promise<void> {
    return this.writing;
  }
}
