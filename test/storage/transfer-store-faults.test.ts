// A learned transfer the disk refuses (its temporary file a link to /dev/full: ENOSPC) leaves no
// temporary file behind, keeps the transfer in memory, and is saved once the disk takes it.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/kit/clock/clock.js';
import { TransferStore } from '../../src/hv/control/transfer-store.js';
import type { EstimatorState } from '../../src/hv/control/transfer-estimator.js';

const state = (n: number) => ({ points: [{ n }] }) as unknown as EstimatorState;

describe('transfer store on a disk that refuses writes', () => {
  it('removes its temporary file, reports the fault, and saves the latest transfer when the disk allows', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'hv-transfer-')), 'transfer');
    mkdirSync(dir);
    const clock = new ManualClock();
    const events: string[] = [];
    const store = new TransferStore(dir, () => {}, {
      clock,
      health: { failing: (message, value) => events.push(`failing ${value}: ${message}`), recovered: (summary) => events.push(`recovered: ${summary}`) },
    });
    symlinkSync('/dev/full', `${store.pathFor(1)}.tmp`);
    store.save(1, state(1));
    await store.flush();
    expect(readdirSync(dir)).toEqual([]); // no block-1.json, and no .tmp left
    expect(store.unsaved).toEqual([1]);
    expect(events).toEqual([
      `failing 1: learned transfer of block 1 could not be saved to ${store.pathFor(1)} (ENOSPC: no space left on device); expected a data directory this user can write, with free space; ` +
        'the latest transfer of block 1 is kept in memory and saved when the disk allows',
    ]);
    // The disk takes it again (the link went with the temporary file): the retry on the clock saves it.
    await clock.advance(30_000);
    await store.flush();
    expect(readdirSync(dir)).toEqual(['block-1.json']);
    expect(JSON.parse(readFileSync(store.pathFor(1), 'utf8'))).toEqual(state(1));
    expect(events.at(-1)).toBe('recovered: learned transfers are saved again');
    expect(store.unsaved).toEqual([]);
    await store.close();
    expect(clock.pendingTimers).toBe(0);
  });

  it('a newer save replaces the refused one, and leaves no temporary file when the directory cannot be made', async () => {
    const root = mkdtempSync(join(tmpdir(), 'hv-transfer-'));
    symlinkSync('/dev/full', join(root, 'transfer')); // not a directory
    const failing: string[] = [];
    const store = new TransferStore(join(root, 'transfer'), () => {}, { health: { failing: (m) => failing.push(m), recovered: () => {} } });
    store.save(2, state(1));
    store.save(2, state(2));
    await store.flush();
    expect(failing.at(-1)).toMatch(/^learned transfer of block 2 could not be saved to .*block-2\.json \((EEXIST|ENOTDIR): [^)]+\)/);
    expect(readdirSync(root)).toEqual(['transfer']);
    expect(store.unsaved).toEqual([2]);
  });
});
