// The learned calibrator→HV transfer: converges on the true one from settled readings, ignores
// outliers, and survives a restart through its store.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TransferEstimator } from '../../src/hv/control/transfer-estimator.js';
import { TransferStore } from '../../src/hv/control/transfer-store.js';
import { FITTED_PLANT } from '../../sim/plant/plant-model.js';

const configured = { gain: 3500.5, offset: 1.26, quadratic: 0 };
const truth = FITTED_PLANT.days[2]!; // 29.11.2022
const trueHv = (v: number) => truth.gain * v + truth.offset + truth.quadratic * v * v;

describe('TransferEstimator', () => {
  it('starts from the configured coefficients', () => {
    const e = new TransferEstimator(configured);
    expect(e.outputFor(18600)).toBeCloseTo((18600 - 1.26) / 3500.5, 9);
  });

  it('learns the real transfer from settled readings, so the first setpoint lands within 10 mV', () => {
    const e = new TransferEstimator(configured);
    const before = Math.abs(trueHv(e.outputFor(18600)) - 18600);
    for (const hv of [10000, 11000, 12000, 14000, 16000, 19000]) {
      const v = e.outputFor(hv);
      for (let i = 0; i < 5; i++) e.add(v, trueHv(v) + 0.004 * Math.sin(i * 7.3), i * 4000);
    }
    const after = Math.abs(trueHv(e.outputFor(18600)) - 18600);
    expect(before).toBeGreaterThan(0.1);
    expect(after).toBeLessThan(0.01);
  });

  it('is not moved by a single outlier among settled points', () => {
    const e = new TransferEstimator(configured);
    for (const hv of [10000, 13000, 16000, 19000]) {
      const v = e.outputFor(hv);
      for (let i = 0; i < 5; i++) e.add(v, trueHv(v), i);
    }
    const good = e.outputFor(15000);
    const v = e.outputFor(17000);
    e.add(v, trueHv(v) + 0.5, 10);
    expect(Math.abs(trueHv(e.outputFor(15000)) - trueHv(good))).toBeLessThan(0.01);
  });

  it('survives a restart: the store keeps what was learned, and sets an unreadable file aside', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hv-transfer-'));
    const store = new TransferStore(dir);
    const e = new TransferEstimator(configured);
    for (const hv of [12000, 18000]) {
      const v = e.outputFor(hv);
      e.add(v, trueHv(v), 0);
    }
    store.save(1, e.state);
    await store.flush();
    const again = new TransferEstimator(configured, new TransferStore(dir).load(1));
    expect(again.outputFor(18600)).toBeCloseTo(e.outputFor(18600), 9);
    writeFileSync(store.pathFor(2), '{broken');
    const messages: string[] = [];
    expect(new TransferStore(dir, (m) => messages.push(m)).load(2)).toBeNull();
    expect(messages[0]).toMatch(/is not readable .* moved to .*unreadable-\d+, starting from the configured coefficients/);
  });
});
