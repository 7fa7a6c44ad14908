// The block's correction arithmetic on its own: settling time from the response, what recent
// changes leave in a reading, the corrected demand's bounds, and what a write records.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { initialContext, type BlockContext, type CorrectionSettings } from '../../machines/block-context.js';
import {
  STEPS_REMEMBERED,
  announcedSettle,
  beganAfterChange,
  correctedDemand,
  isFresh,
  mayAnswer,
  measuredOutput,
  reachable,
  settleTimeMs,
  settledError,
  signedTransientIn,
  transientIn,
  windowFactor,
  written,
} from '../../machines/block-correction.js';
import type { Reading } from '../../machines/types.js';
import { blockChecks } from '../helpers/block-checks.js';

const ours: CorrectionSettings = {
  strategy: 'ours', maxStepV: 40, maxTotalV: 10, hold: true, holdDeadbandV: 0.02, settleResidualV: 0.003, responseTauMs: 744, integrationMs: 2000,
};

function context(patch: Partial<BlockContext> = {}, correction: Partial<CorrectionSettings> = {}): BlockContext {
  const base = initialContext({ block: 1, name: 'main', settleMs: 1000, correction: { ...ours, ...correction }, ...blockChecks });
  return { ...base, setpoint: 10000, demand: 10000, nominal: 10000, ...patch };
}

const reading = (volts: number, startedAt: number): Reading => ({ voltmeter: 'd', volts, raw: volts / -4050.65, startedAt, endedAt: startedAt + 2000 });

describe('settling', () => {
  it('averages the exponential over the window: τ/T·(1 − e^(−T/τ)), 0.347 for τ 744 ms over 2 s', () => {
    expect(windowFactor(ours)).toBeCloseTo((744 / 2000) * (1 - Math.exp(-2000 / 744)), 12);
    expect(windowFactor(ours)).toBeCloseTo(0.347, 3);
    // A window short against τ sees the whole step; a long one about τ/T of it.
    expect(windowFactor({ ...ours, integrationMs: 1 })).toBeCloseTo(1, 2);
    expect(windowFactor({ ...ours, integrationMs: 100 * 744 })).toBeCloseTo(0.01, 4);
  });

  it('waits τ·ln(S·k / residual): 1000 V with 3 mV left takes 744·ln(347/0.003) ms', () => {
    const k = windowFactor(ours);
    expect(settleTimeMs(1000, ours, 0)).toBeCloseTo(744 * Math.log((1000 * k) / 0.003), 6);
    expect(settleTimeMs(-1000, ours, 0)).toBe(settleTimeMs(1000, ours, 0));
  });

  it('never less than the floor, and the floor alone for a step already below the residual', () => {
    expect(settleTimeMs(0.005, ours, 1000)).toBe(1000);
    expect(settleTimeMs(1, ours, 60_000)).toBe(60_000);
  });

  it('leaves at most the residual at the settling time, and grows with the step (property)', () => {
    fc.assert(
      fc.property(fc.double({ min: 0.01, max: 5e4, noNaN: true }), fc.double({ min: 0.001, max: 1, noNaN: true }), (step, residual) => {
        const t = settleTimeMs(step, ours, 0, residual);
        expect(step * windowFactor(ours) * Math.exp(-t / ours.responseTauMs)).toBeLessThanOrEqual(residual * (1 + 1e-9));
        expect(settleTimeMs(step * 2, ours, 0, residual)).toBeGreaterThanOrEqual(t);
      }),
    );
  });

  it('a reading is fresh once it begins the settling time after the last change; mayAnswer allows a quarter of the tolerance', () => {
    const c = context({ recentSteps: [{ at: 10_000, stepV: 1000, deltaV: 1000 }] });
    const strict = settleTimeMs(1000, ours, 1000);
    const loose = settleTimeMs(1000, ours, 1000, 0.1 / 4);
    expect(loose).toBeLessThan(strict);
    expect(isFresh(c, reading(0, 10_000 + strict))).toBe(true);
    expect(isFresh(c, reading(0, 10_000 + strict - 1))).toBe(false);
    expect(mayAnswer(c, reading(0, 10_000 + loose), 0.1)).toBe(true);
    expect(mayAnswer(c, reading(0, 10_000 + loose - 1), 0.1)).toBe(false);
    expect(isFresh(context(), reading(0, 0))).toBe(true);
  });

  it('the older strategies answer on any reading begun after the change (and the floor)', () => {
    const c = context({ recentSteps: [{ at: 10_000, stepV: 1000, deltaV: 1000 }] }, { strategy: 'half' });
    expect(beganAfterChange(c, reading(0, 9_999))).toBe(false);
    expect(beganAfterChange(c, reading(0, 10_000))).toBe(true);
    expect(mayAnswer(c, reading(0, 10_999), 0.1)).toBe(false);
    expect(mayAnswer(c, reading(0, 11_000), 0.1)).toBe(true);
  });

  it('announces the settling time to a quarter of the check tolerance, or 25 mV without a check', () => {
    const c = context({ recentSteps: [{ at: 0, stepV: 1000, deltaV: 1000 }] });
    expect(announcedSettle(c)).toEqual({ block: 1, settleMs: settleTimeMs(1000, ours, 1000, 0.025) });
    const check = { command_type: 'set_voltage_and_check' as const, block: 1, blockAsSent: 1, voltage: 11000, max_error: 0.4, timeout: 60 };
    const checking = { ...c, inFlight: { command: check, origin: { connector: 't', client: 'c' }, ending: null } };
    expect(announcedSettle(checking).settleMs).toBe(settleTimeMs(1000, ours, 1000, 0.1));
  });
});

describe('transients in a reading', () => {
  const step = { at: 0, stepV: 100, deltaV: 100 };

  it('a step before the reading leaves S·k·e^(−t/τ), with the sign of the rise still to come', () => {
    const c = context({ recentSteps: [step] });
    const left = 100 * windowFactor(ours) * Math.exp(-3000 / 744);
    expect(transientIn(c, reading(0, 3000))).toBeCloseTo(left, 12);
    expect(signedTransientIn(c, reading(0, 3000))).toBeCloseTo(-left, 12);
    expect(signedTransientIn(context({ recentSteps: [{ ...step, deltaV: -100 }] }), reading(0, 3000))).toBeCloseTo(left, 12);
  });

  it('a step made after the reading began is in it whole, and cannot be predicted', () => {
    const c = context({ recentSteps: [{ ...step, at: 5000 }] });
    expect(transientIn(c, reading(0, 3000))).toBe(100);
    expect(signedTransientIn(c, reading(0, 3000))).toBeNull();
  });

  it('a step of unknown size stops the prediction until it is negligible', () => {
    const c = context({ recentSteps: [{ at: 0, stepV: 100, deltaV: null }] });
    expect(signedTransientIn(c, reading(0, 3000))).toBeNull();
    // 100 V·k·e^(−t/τ) below 0.1 mV after about 12.7 s.
    expect(signedTransientIn(c, reading(0, 14_000))).toBe(0);
  });

  it('the settled error takes the predicted transient out, for our strategy only', () => {
    const c = context({ recentSteps: [step] });
    const r = reading(10_000.5, 3000);
    expect(settledError(c, r, 10_000)).toBeCloseTo(0.5 - signedTransientIn(c, r)!, 12);
    expect(settledError(context({ recentSteps: [step] }, { strategy: 'half' }), r, 10_000)).toBeCloseTo(0.5, 12);
  });

  it('a reading that ended before a change is judged at the output before it', () => {
    const c = context({ nominal: 10_100, recentSteps: [{ at: 1000, stepV: 100, deltaV: 100 }, { at: 20_000, stepV: 100, deltaV: 100 }] });
    const before = measuredOutput(c, reading(0, 10_000))!;
    expect(before.nominal).toBe(10_000);
    expect(before.beforeChange).toBe(true);
    expect(before.transientV).toBeCloseTo(100 * windowFactor(ours) * Math.exp(-9000 / 744), 12);
    expect(measuredOutput(c, reading(0, 25_000))).toEqual({ nominal: 10_100, transientV: transientIn(c, reading(0, 25_000)), beforeChange: false });
    expect(measuredOutput(context({ nominal: null }), reading(0, 0))).toBeNull();
  });
});

describe('the corrected demand', () => {
  const settings = fc.record({
    setpoint: fc.double({ min: -30_000, max: 30_000, noNaN: true }),
    offset: fc.double({ min: -10, max: 10, noNaN: true }),
    error: fc.double({ min: -100, max: 100, noNaN: true }),
    maxStepV: fc.double({ min: 0.01, max: 50, noNaN: true }),
    maxTotalV: fc.double({ min: 0.01, max: 20, noNaN: true }),
  });

  it('moves against the error, at most maxStepV a step, within maxTotalV of the setpoint (property)', () => {
    fc.assert(
      fc.property(settings, ({ setpoint, offset, error, maxStepV, maxTotalV }) => {
        const demand = setpoint + Math.max(-maxTotalV, Math.min(maxTotalV, offset));
        const c = context({ setpoint, demand }, { maxStepV, maxTotalV });
        const next = correctedDemand(c, error);
        if (next === null) return;
        const eps = 1e-9 * (1 + Math.abs(setpoint));
        expect(Math.abs(next - demand)).toBeLessThanOrEqual(maxStepV + eps);
        expect(Math.abs(next - setpoint)).toBeLessThanOrEqual(maxTotalV + eps);
        expect(Math.sign(next - demand)).toBe(-Math.sign(error));
      }),
    );
  });

  it('corrects the whole (smoothed) error for ours, half of it for the older C++ strategy, nothing for the Python one', () => {
    expect(correctedDemand(context(), 0.5)).toBe(9999.5);
    expect(correctedDemand(context(), 0.5, 0.2)).toBe(9999.8);
    expect(correctedDemand(context({}, { strategy: 'half' }), 0.5)).toBe(9999.75);
    expect(correctedDemand(context({}, { strategy: 'none' }), 0.5)).toBeNull();
    expect(correctedDemand(context(), 0)).toBeNull();
    expect(correctedDemand(context({ setpoint: null }), 0.5)).toBeNull();
  });

  it('never beyond what the output can produce', () => {
    const base = context();
    const c = { ...base, settings: { ...base.settings, demandRange: [0, 10_000.2] as [number, number] } };
    expect(correctedDemand(c, -5)).toBe(10_000.2);
    expect(reachable(c, -1)).toBe(0);
    expect(reachable(c, 5000)).toBe(5000);
  });
});

describe('a write recorded', () => {
  it('keeps the step, its sign and the new demand; clears the pending demand', () => {
    const c = context({ pendingDemand: 10_000.5 });
    expect(written(c, { sentAt: 42 })).toEqual({
      recentSteps: [{ at: 42, stepV: 0.5, deltaV: 0.5 }],
      demand: 10_000.5,
      holdFrom: null,
      nominal: 10_000.5,
      pendingDemand: null,
    });
  });

  it('a correction smaller than the output step moves it a whole step; a drop-out is a step of unknown sign', () => {
    const c = context({ pendingDemand: 10_000.01 });
    const w = written(c, { sentAt: 0, nominalHv: 10_000.035, demandHv: 10_000.035 });
    expect(w.recentSteps![0]!.stepV).toBeCloseTo(0.035, 12);
    expect(w.demand).toBe(10_000.035);
    expect(written(c, { sentAt: 0, stepHv: 10_000 }).recentSteps).toEqual([{ at: 0, stepV: 10_000, deltaV: null }]);
  });

  it('remembers the last few changes only', () => {
    let c = context();
    for (let i = 0; i < STEPS_REMEMBERED + 3; i++) c = { ...c, ...written({ ...c, pendingDemand: 10_000 + i + 1 }, { sentAt: i }) };
    expect(c.recentSteps.map((s) => s.at)).toEqual([3, 4, 5, 6]);
  });

  it('holding that began at the written demand follows it as the output produces it', () => {
    const c = context({ pendingDemand: 10_000.01, holdFrom: 10_000.01 });
    expect(written(c, { sentAt: 0, demandHv: 10_000.035 }).holdFrom).toBe(10_000.035);
    expect(written({ ...c, holdFrom: 9_999 }, { sentAt: 0, demandHv: 10_000.035 }).holdFrom).toBe(9_999);
  });
});
