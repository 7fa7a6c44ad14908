// The learned calibrator→HV transfer: converges on the true one from settled readings, ignores
// outliers, and survives a restart through its store.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TransferEstimator } from '../../src/hv/control/transfer-estimator.js';
import { TransferStore } from '../../src/hv/control/transfer-store.js';
import { ManualClock } from '../../src/kit/clock/clock.js';
import { FITTED_PLANT } from '../../sim/plant/plant-model.js';

const configured = { gain: 3500.5, offset: 1.26, quadratic: 0 };
const truth = FITTED_PLANT.days[2]!; // 29.11.2022
const trueHv = (v: number) => truth.gain * v + truth.offset + truth.quadratic * v * v;

/** The fit written plainly, with arrays (as the estimator did before it kept scratch space): the estimator must agree with it bit for bit. */
function plainRefit(c: typeof configured, all: { v: number; hv: number; n: number; at: number }[], now: number) {
  const fit = (points: typeof all) => {
    const w = points.map((p) => Math.min(p.n, 10) * 0.5 ** (Math.max(0, now - p.at) / (7 * 24 * 3600_000)));
    const y = points.map((p) => p.hv - (c.gain * p.v + c.offset + c.quadratic * p.v * p.v));
    const vs = points.map((p) => p.v);
    const span = Math.max(...vs) - Math.min(...vs);
    const basis = span >= 2 ? 3 : span >= 0.5 ? 2 : 1;
    const m = Array.from({ length: basis }, () => new Array<number>(basis + 1).fill(0));
    points.forEach((_, k) => {
      const f = [1, vs[k]!, vs[k]! ** 2].slice(0, basis);
      for (let i = 0; i < basis; i++) {
        for (let j = 0; j < basis; j++) m[i]![j]! += w[k]! * f[i]! * f[j]!;
        m[i]![basis]! += w[k]! * f[i]! * y[k]!;
      }
    });
    for (let col = 0; col < basis; col++) {
      const pivot = m[col]![col]!;
      if (Math.abs(pivot) < 1e-12) return { ...c };
      for (let r = 0; r < basis; r++) {
        if (r === col) continue;
        const f = m[r]![col]! / pivot;
        for (let k = col; k <= basis; k++) m[r]![k]! -= f * m[col]![k]!;
      }
    }
    const d = m.map((row, i) => row[basis]! / row[i]!);
    return { offset: c.offset + (d[0] ?? 0), gain: c.gain + (d[1] ?? 0), quadratic: c.quadratic + (d[2] ?? 0) };
  };
  let use = all;
  let fitted = { ...c };
  for (let pass = 0; pass < 2; pass++) {
    const next = fit(use);
    const residuals = use.map((p) => Math.abs(p.hv - (next.gain * p.v + next.offset + next.quadratic * p.v * p.v)));
    const typical = [...residuals].sort((a, b) => a - b)[residuals.length >> 1]!;
    const kept = use.filter((_, i) => residuals[i]! <= Math.max(5 * typical, 0.02));
    fitted = next;
    if (kept.length === use.length || kept.length < 1) break;
    use = kept;
  }
  return fitted;
}

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

  it('learns the curvature over a wide span from a saved state of more points than it keeps, and drops the point that disagrees', () => {
    // 450 saved points (more than the 400 kept as readings arrive) from 0.5 V to 5.5 V, one of them 2 V off.
    const points = Array.from({ length: 450 }, (_, k) => {
      const v = 0.5 + k * (5 / 449);
      return { v, hv: trueHv(v) + (k === 200 ? 2 : 0.002 * Math.sin(k)), n: 5, at: 1_000_000 + k };
    });
    const e = new TransferEstimator(configured, { points });
    for (const hv of [3000, 10000, 19000]) expect(Math.abs(trueHv(e.outputFor(hv)) - hv)).toBeLessThan(0.005);
    expect(e.state.points).toHaveLength(450);
    expect(e.transfer).toEqual(plainRefit(configured, points, 1_000_449));
    // A new reading refits over all of them and over itself.
    const v = e.outputFor(12000);
    expect(e.add(v, trueHv(v), 2_000_000)).toBe(true);
    expect(e.transfer).toEqual(plainRefit(configured, e.state.points, 2_000_000));
    expect(Math.abs(trueHv(e.outputFor(19000)) - 19000)).toBeLessThan(0.005);
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

  it('saves what the estimator has learned when the save is written, not when it was asked for', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hv-transfer-'));
    const clock = new ManualClock(0);
    const store = new TransferStore(dir, () => {}, { clock, intervalMs: 300_000 });
    const e = new TransferEstimator(configured);
    let v = e.outputFor(12000);
    e.add(v, trueHv(v), 0);
    store.save(1, e.stateLater); // the first save is written at once
    await store.flush();
    expect(new TransferStore(dir).load(1)!.points).toHaveLength(1);
    // Later saves wait for the interval; the one written then has every point learned meanwhile.
    for (const hv of [14000, 16000, 18000]) {
      v = e.outputFor(hv);
      e.add(v, trueHv(v), 1000);
      store.save(1, e.stateLater);
    }
    expect(new TransferStore(dir).load(1)!.points).toHaveLength(1);
    await clock.advance(300_000);
    await store.flush();
    expect(new TransferStore(dir).load(1)).toEqual(JSON.parse(JSON.stringify(e.state)));
    expect(new TransferStore(dir).load(1)!.points).toHaveLength(4);
  });
});
