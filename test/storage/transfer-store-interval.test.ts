// Learned transfers go to disk at most once an interval of the clock, also when the clock runs
// faster than the disk (a simulated day, a training server at a high time scale).
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/kit/clock/clock.js';
import { TransferStore } from '../../src/hv/control/transfer-store.js';
import type { EstimatorState } from '../../src/hv/control/transfer-estimator.js';

const state = (n: number) => ({ points: [{ n }] }) as unknown as EstimatorState;

describe('transfer store interval', () => {
  it('leaves a save made while a write is under way to the end of the interval', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'hv-transfer-')), 'transfer');
    const clock = new ManualClock(0);
    const store = new TransferStore(dir, () => {}, { clock, intervalMs: 300_000 });
    const saved = () => JSON.parse(readFileSync(store.pathFor(1), 'utf8')) as EstimatorState;
    /** The round of writes under way (private: the test waits for the write it means). */
    const round = () => (store as unknown as { writing: Promise<void> }).writing;
    store.save(1, state(1)); // the first save is written at once
    store.save(1, state(2)); // learned while that write is on its way to the disk
    await round();
    expect(saved()).toEqual(state(1));
    await clock.advance(299_000);
    await round();
    expect(saved()).toEqual(state(1));
    await clock.advance(1000);
    await round();
    expect(saved()).toEqual(state(2));
    store.save(1, state(3));
    await store.close(); // closing writes what waits, at once
    expect(saved()).toEqual(state(3));
    expect(clock.pendingTimers).toBe(0);
  });
});
