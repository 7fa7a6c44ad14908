// What the block does with a reading, state by state, as the steps its chart performs: holding
// adopts, smooths, learns and corrects past the deadband within its limit; a check answers or
// corrects; an alarm raises new faults and clears on plausible readings.
import { describe, expect, it } from 'vitest';
import { initialContext, type BlockContext, type CorrectionSettings } from '../../machines/block-context.js';
import { settleTimeMs } from '../../machines/block-correction.js';
import { lastCorrection, whileAlarmed, whileChecking, whileHolding, type BlockStep } from '../../machines/block-readings.js';
import { freshJudge, type BlockAlarm } from '../../machines/reading-judge.js';
import type { Reading } from '../../machines/types.js';
import type { SetVoltageAndCheckCommand } from '../../schemas/types.js';
import { blockChecks } from '../helpers/block-checks.js';

const ours: CorrectionSettings = {
  strategy: 'ours', maxStepV: 40, maxTotalV: 10, hold: true, holdDeadbandV: 0.02, settleResidualV: 0.003, responseTauMs: 744, integrationMs: 2000,
};
const origin = { connector: 'tcp', client: 'a' };

function context(patch: Partial<BlockContext> = {}, correction: Partial<CorrectionSettings> = {}): BlockContext {
  const base = initialContext({ block: 1, name: 'main', settleMs: 1000, correction: { ...ours, ...correction }, ...blockChecks });
  return { ...base, setpoint: 18_500, demand: 18_500, nominal: 18_500, holdFrom: 18_500, energized: true, judge: freshJudge(0), ...patch };
}

let at = 100_000;
const reading = (volts: number): Reading => {
  at += 4020;
  return { voltmeter: 'd', volts, raw: volts / -4050.65 + at * 1e-12, startedAt: at, endedAt: at + 2000 };
};

/** The context after the steps' assignments, in order, as the chart performs them. */
const applied = (c: BlockContext, steps: BlockStep[]) => steps.reduce((s, step) => ('assign' in step ? { ...s, ...step.assign } : s), c);
/** The effects and events raised, in order; an offset to remember (see its own test) left out. */
const effects = (steps: BlockStep[]) =>
  steps.flatMap((s) => ('effect' in s ? (s.effect.type === 'rememberOffset' ? [] : [s.effect.type]) : 'raise' in s ? [s.raise.type] : []));

describe('holding (idle)', () => {
  it('records every reading first', () => {
    const r = reading(18_500.001);
    expect(whileHolding(context({ nominal: null }), r)).toEqual([{ assign: { lastReading: r } }]);
  });

  it('adopts the first settled reading as the setpoint found at start, correcting nothing', () => {
    const c = context({ adopting: true, setpoint: 18_499.5 });
    const steps = whileHolding(c, reading(18_500.004));
    const after = applied(c, steps);
    expect(after.setpoint).toBe(18_500.004);
    expect(after.adopting).toBe(false);
    expect(after.pendingDemand).toBeNull();
    expect(effects(steps)).toEqual(['note']);
  });

  it('inside the deadband: smooths the error and learns (still at the demand it began from); nothing written', () => {
    const c = context();
    const after = applied(c, whileHolding(c, reading(18_500.01)));
    expect(after.holdError).toBeCloseTo(0.01, 9);
    expect(after.pendingDemand).toBeNull();
    expect(effects(whileHolding(c, reading(18_500.01)))).toEqual(['learnTransfer']);
    // Once holding has moved the demand, it no longer teaches the transfer.
    expect(effects(whileHolding(context({ demand: 18_499.99 }), reading(18_500.01)))).toEqual([]);
  });

  it('past the deadband: the smoothed error halves the way to each new error, and the demand moves against it', () => {
    const c = context({ holdError: 0.01 });
    const after = applied(c, whileHolding(c, reading(18_500.05)));
    expect(after.holdError).toBeCloseTo(0.03, 9);
    expect(after.pendingDemand).toBeCloseTo(18_499.97, 9);
  });

  it('beyond the hold limit from where holding began: HOLD_LIMIT, and nothing written', () => {
    // The readings 1.1 V above the output's nominal HV: plausible, and 0.3 V above the setpoint.
    const c = context({ holdFrom: 18_500, demand: 18_499.2, nominal: 18_499.2, holdError: 0.3, judge: freshJudge(1.1) });
    const after = applied(c, whileHolding(c, reading(18_500.3)));
    expect(after.alarms.map((a) => a.code)).toEqual(['HOLD_LIMIT']);
    expect(after.pendingDemand).toBeNull();
  });

  it('holds nothing for an output found in standby, with hold off, or for the strategy that never corrects', () => {
    for (const c of [context({ energized: false, holdError: 0.5 }), context({ holdError: 0.5 }, { hold: false }), context({ holdError: 0.5 }, { strategy: 'none' })]) {
      expect(applied(c, whileHolding(c, reading(18_500.5))).pendingDemand).toBeNull();
    }
  });

  it('the older C++ strategy corrects half of each raw error, unsmoothed', () => {
    const c = context({}, { strategy: 'half' });
    const after = applied(c, whileHolding(c, reading(18_500.04)));
    expect(after.pendingDemand).toBeCloseTo(18_499.98, 9);
    expect(after.holdError).toBeNull();
  });

  it('waits for settled readings: one begun too soon after a change is only judged', () => {
    const r = reading(18_500.05);
    const c = context({ recentSteps: [{ at: r.startedAt - 500, stepV: 1, deltaV: 1 }], holdError: 0.05 });
    const after = applied(c, whileHolding(c, r));
    expect(after.pendingDemand).toBeNull();
    expect(after.holdError).toBe(0.05);
  });
});

describe('an offset newly trusted', () => {
  it('is kept for a restarted actor as soon as a settled reading moves it, and not again while it stays', () => {
    const kept = (steps: BlockStep[]) => steps.flatMap((s) => ('effect' in s && s.effect.type === 'rememberOffset' ? [s.effect.params.offset] : []));
    const r = reading(18_500.004);
    const [offset] = kept(whileHolding(context(), r));
    expect(offset).toBeGreaterThan(0.001);
    const seen = r.volts - 18_500;
    expect(kept(whileHolding(context({ judge: freshJudge(seen) }), { ...r, startedAt: r.startedAt + 4020, endedAt: r.endedAt + 4020 }))).toEqual([]);
  });
});

describe('checking (correcting)', () => {
  const check: SetVoltageAndCheckCommand = { command_type: 'set_voltage_and_check', block: 1, blockAsSent: 1, voltage: 18_500, max_error: 0.1, timeout: 60 };
  const checking = (patch: Partial<BlockContext> = {}, correction: Partial<CorrectionSettings> = {}) =>
    context({ inFlight: { command: check, origin, ending: null }, ...patch }, correction);

  it('a plausible settled reading within the tolerance answers ok and confirms the check', () => {
    const c = checking();
    const steps = whileChecking(c, reading(18_500.004));
    expect(effects(steps)).toEqual(['learnTransfer', 'reply', 'CHECK_CONFIRMED']);
    const reply = steps.find((s) => 'effect' in s && s.effect.type === 'reply') as { effect: { params: { origin: unknown; message: Record<string, unknown> } } };
    expect(reply.effect.params.origin).toBe(origin);
    expect(reply.effect.params.message).toMatchObject({ status: 'ok', voltage: 18_500.004 });
    expect(steps.at(-1)).toEqual({ raise: { type: 'CHECK_CONFIRMED', lastCorrection: null } });
  });

  it('an answer past the hold deadband brings the last correction with it', () => {
    const c = checking({ judge: freshJudge(0.06) });
    const steps = whileChecking(c, reading(18_500.06));
    expect(steps.at(-1)).toEqual({ raise: { type: 'CHECK_CONFIRMED', lastCorrection: expect.closeTo(18_499.94, 9) } });
    expect(lastCorrection(c, reading(18_500.06), 18_500)).toBeCloseTo(18_499.94, 9);
    expect(lastCorrection(c, reading(18_500.01), 18_500)).toBeNull();
    expect(lastCorrection(context({}, { hold: false }), reading(18_500.06), 18_500)).toBeNull();
  });

  it('outside the tolerance: no answer, a correction against the error', () => {
    const c = checking({ nominal: 18_499.5, judge: { ...freshJudge(0), uncertainV: 2 } });
    const after = applied(c, whileChecking(c, reading(18_499.5)));
    expect(after.pendingDemand).toBeCloseTo(18_500.5, 9);
    expect(effects(whileChecking(c, reading(18_499.5)))).not.toContain('reply');
  });

  it('a reading too soon after the change for its error neither answers nor corrects', () => {
    const r = reading(18_500.5);
    const c = checking({ recentSteps: [{ at: r.startedAt - 200, stepV: 1000, deltaV: 1000 }], judge: { ...freshJudge(0), uncertainV: 2 } });
    expect(r.startedAt - 200 + settleTimeMs(1000, ours, 1000, 0.5 / 4)).toBeGreaterThan(r.startedAt);
    const steps = whileChecking(c, r);
    expect(effects(steps)).toEqual([]);
    expect(applied(c, steps).pendingDemand).toBeNull();
  });
});

describe('in alarm', () => {
  const mismatch: BlockAlarm = { code: 'READBACK_MISMATCH', severity: 'MAJOR', message: 'm', value: 1 };

  it('two plausible readings clear the alarm (a note says so); the latched ones stay', () => {
    const standby: BlockAlarm = { code: 'OUTPUT_STANDBY', severity: 'MAJOR', message: 's', value: 1 };
    let c = context({ alarms: [mismatch, standby] });
    c = applied(c, whileAlarmed(c, reading(18_500.001)));
    expect(c.alarms.map((a) => a.code)).toEqual(['READBACK_MISMATCH', 'OUTPUT_STANDBY']);
    const steps = whileAlarmed(c, reading(18_500.002));
    expect(effects(steps)).toEqual(['note']);
    expect(applied(c, steps).alarms.map((a) => a.code)).toEqual(['OUTPUT_STANDBY']);
  });

  it('a readback fault while in alarm for one is the same fault; any other is raised', () => {
    const c = context({ alarms: [{ ...mismatch, code: 'NO_OUTPUT' }] });
    let after = applied(c, whileAlarmed(c, reading(3)));
    after = applied(after, whileAlarmed(after, reading(3.1)));
    expect(after.alarms.map((a) => a.code)).toEqual(['NO_OUTPUT']);
    const fresh = context({ alarms: [{ ...mismatch, code: 'DRIFT' }] });
    let raised = applied(fresh, whileAlarmed(fresh, reading(3)));
    raised = applied(raised, whileAlarmed(raised, reading(3.1)));
    expect(raised.alarms.map((a) => a.code)).toEqual(['DRIFT', 'NO_OUTPUT']);
  });
});
