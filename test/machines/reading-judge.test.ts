// The reading checks on their own: plausible, held, confirmed, implausible, no output, stuck, drift.
import { describe, expect, it } from 'vitest';
import { afterNewSetpoint, freshJudge, judgeReading, robustSlopePerMin, type JudgeState } from '../../machines/reading-judge.js';
import type { Reading } from '../../machines/types.js';
import { defaultChecks as s } from '../helpers/block-checks.js';

const RATIO = -4050.65;
let at = 0;
const reading = (volts: number): Reading => {
  at += 4020;
  return { voltmeter: 'd', volts, raw: Math.round((volts / RATIO) * 1e7) / 1e7, startedAt: at, endedAt: at + 2000 };
};

/** Judges readings in turn at a fixed demand; returns the verdict kinds and the last state. */
function run(volts: number[], demand = 18500, state: JudgeState = freshJudge(0), frozen = false) {
  const kinds: string[] = [];
  const codes: (string | null)[] = [];
  for (const v of volts) {
    const out = judgeReading(state, reading(v), demand, s, { frozen });
    state = out.state;
    kinds.push(out.verdict.kind);
    codes.push(out.verdict.kind === 'fault' ? out.verdict.alarm.code : out.verdict.kind === 'held' ? (out.verdict.alarm?.code ?? null) : null);
  }
  return { kinds, codes, state };
}

describe('reading checks', () => {
  it('takes readings within the noise, and smooths the plant offset from them', () => {
    const r = run([18500.004, 18499.997, 18500.01]);
    expect(r.kinds).toEqual(['plausible', 'plausible', 'plausible']);
    expect(Math.abs(r.state.offset!)).toBeLessThan(0.01);
  });

  it('holds a lone outlier back without an alarm, and lets the next good reading through', () => {
    expect(run([18500.2, 18500.0]).kinds).toEqual(['held', 'plausible']);
  });

  it('takes a small change confirmed by the next two readings as real, re-basing on it', () => {
    const r = run([18500.3, 18500.31, 18500.3, 18500.3]);
    expect(r.kinds).toEqual(['held', 'held', 'confirmed', 'plausible']);
    expect(r.state.offset!).toBeCloseTo(0.3, 1);
  });

  it('two outliers in a row (about once a day at the rack) are not a change', () => {
    expect(run([18499.7, 18499.94, 18500.002]).kinds).toEqual(['held', 'held', 'plausible']);
  });

  it('raises a minor alarm on a gross spike at once, and a major one when the next agrees', () => {
    expect(run([18550, 18500]).codes).toEqual(['READING_OUTLIER', null]);
    // A spike, then a reading a little off the same way: neither a fault nor a confirmed change.
    expect(run([18550, 18500.2, 18500]).kinds).toEqual(['held', 'held', 'plausible']);
    const both = run([18505, 18505.01]);
    expect(both.kinds).toEqual(['held', 'fault']);
    expect(both.codes).toEqual(['READING_OUTLIER', 'READBACK_MISMATCH']);
  });

  it('calls two readings below half of what the demand should give no output', () => {
    const r = run([3.1, 0.2]);
    expect(r.codes).toEqual(['READING_OUTLIER', 'NO_OUTPUT']);
  });

  it('first readings may be as far from the output as the transfer is uncertain: model_tolerance_v before any reading, per kV of a step after', () => {
    expect(run([18501.9], 18500, freshJudge()).kinds).toEqual(['plausible']);
    expect(run([18502.5], 18500, freshJudge()).kinds).toEqual(['held']);
    const known = run([10000.3], 10000, freshJudge()).state; // offset +0.3 V seen at 10 kV
    const afterStep = afterNewSetpoint(known, 5000, s); // 5 kV up: 1 V more allowed
    expect(run([15001.2], 15000, afterStep).kinds).toEqual(['plausible']);
    expect(run([15001.5], 15000, afterNewSetpoint(known, 5000, s)).kinds).toEqual(['held']);
  });

  it('finds a stuck meter after stale_repeats identical readings, and at once when the output moved', () => {
    const stuck = run(Array(6).fill(18500.0012));
    expect(stuck.kinds.slice(0, 5)).toEqual(['plausible', 'plausible', 'plausible', 'plausible', 'plausible']);
    expect(stuck.codes[5]).toBe('READING_STALE');
    const state = run([18500.0012]).state;
    const moved = judgeReading(state, reading(18500.0012), 18500.5, s);
    expect(moved.verdict).toMatchObject({ kind: 'fault', alarm: { code: 'READING_STALE', message: expect.stringMatching(/did not change while the output moved 0\.500 V/) } });
  });

  it('calls a steady walk of the offset faster than drift_v_per_min a drift, and leaves noise alone', () => {
    const walking = run(Array.from({ length: 10 }, (_, i) => 18500 + 0.03 * i));
    expect(walking.codes).toContain('DRIFT');
    const noise = run(Array.from({ length: 40 }, (_, i) => 18500 + 0.004 * Math.sin(i * 2.1)));
    expect(noise.codes.every((c) => c === null)).toBe(true);
  });

  it('while an alarm is active the expectation stays put: a second reading off the same way is not taken as real', () => {
    const r = run([18500.3, 18500.31], 18500, freshJudge(0), true);
    expect(r.kinds).toEqual(['held', 'held']);
    expect(r.state.offset).toBe(0);
  });

  it('measures a slope robustly: one wild point does not make a drift', () => {
    const points = Array.from({ length: 8 }, (_, i) => ({ at: i * 4000, offset: i === 3 ? 5 : 0 }));
    expect(robustSlopePerMin(points)).toBe(0);
  });

  it('measures a slope robustly: three outliers in eight readings (a simulated day of seed 8) do not make a drift, a real one is exact', () => {
    // Offsets (mV) of a 24 h no-fault hold, 4 s apart: one high at the start, two low near the end.
    const seen = [-387, -446.6, -447.8, -453, -446.6, -530.4, -442.5, -521.1];
    const points = seen.map((mv, i) => ({ at: i * 4020, offset: mv / 1000 }));
    expect(Math.abs(robustSlopePerMin(points))).toBeLessThan(0.1);
    const drifting = Array.from({ length: 8 }, (_, i) => ({ at: i * 4020, offset: (i * 4020 * 1) / 60_000 }));
    expect(robustSlopePerMin(drifting)).toBeCloseTo(1, 9);
  });

  it('raises a reading still settling when it is off by more than twice what the transient can leave', () => {
    const state = freshJudge(0);
    // 30 V of a 500 V step still settling: a reading 25 V short is the transient, held without an alarm...
    const settling = judgeReading(state, reading(18475), 18500, s, { transientV: 30, settled: false });
    expect(settling.verdict).toMatchObject({ kind: 'plausible' });
    // ...one at 0 V (a trip) or 50 V above (a spike) no transient explains.
    const tripped = judgeReading(state, reading(0), 18500, s, { transientV: 30, settled: false });
    expect(tripped.verdict.kind === 'held' ? tripped.verdict.alarm : null).not.toBeNull();
    const spike = judgeReading(state, reading(18550), 18500, s, { transientV: 8, settled: false });
    expect(spike.verdict.kind === 'held' ? spike.verdict.alarm : null).not.toBeNull();
    // Within twice the transient and the implausible margin: no alarm (the model may be off).
    const slow = judgeReading(state, reading(18440), 18500, s, { transientV: 30, settled: false });
    expect(slow.verdict.kind === 'held' ? slow.verdict.alarm : null).toBeNull();
  });

  it('finds a meter stuck across a change already in a reading still settling, when the change is far more than its transient', () => {
    const before = run([18000.003], 18000).state;
    const stuck = { ...reading(18000.003), raw: before.lastRaw! };
    const out = judgeReading(before, stuck, 18500, s, { transientV: 30, settled: false });
    expect(out.verdict).toMatchObject({ kind: 'fault', alarm: { code: 'READING_STALE' } });
    // A change the transient could still hide is not enough.
    const small = judgeReading(before, { ...reading(18000.003), raw: before.lastRaw! }, 18040, s, { transientV: 30, settled: false });
    expect(small.verdict.kind).not.toBe('fault');
  });
});
