// Whether a reading may move the high voltage. A reading is evidence, not truth: before a block
// corrects on it, it is compared with what the present output should give (the HV of the written
// output by the configured, fixed transfer, plus the plant's offset from it seen on the readings
// accepted so far), and with the readings before it.
//
// - plausible: within the noise of the expectation (plus what is left of the last change's
//   transient, plus the transfer's error over a new step): it may correct and teach the transfer;
// - suspect: further off; held back, and taken as a real change only when the next two readings
//   agree (small changes: two outliers in a row come about once a week at the rack's 0.74 %), or
//   raised as an alarm (large ones: a spike at once, the next reading agreeing makes it a fault);
// - stale: the same value repeated longer than the noise allows, or unchanged across a change of
//   the output the noise could not hide;
// - drift: the plant's offset moving faster than the supply drifts by itself.
// Pure functions over plain data: the block machine keeps the state in its context.

import type { Reading } from './types.js';

export interface CheckSettings {
  /** The readings' noise (one sigma, HV volts): at 0 V, and added per kV of HV. */
  noiseV: number;
  noiseVPerKv: number;
  /** A reading further than this many sigma from its expectation is held back... */
  outlierSigmas: number;
  /** ...but never one closer than this (the output's own steps and the model's smoothing), volts. */
  outlierFloorV: number;
  /**
   * How far the first reading after a new setpoint may be from what the offset seen at the last one
   * predicts: the transfer's uncertainty, per kV of the step, and at most (or when nothing is known yet).
   */
  modelToleranceVPerKv: number;
  modelToleranceV: number;
  /** A reading this far from its expectation raises an alarm at once, volts. */
  implausibleV: number;
  /** A confirmed reading below this fraction of what the output should give: the supply gives no output. */
  tripFraction: number;
  /** This many identical readings in a row: the voltmeter is stuck. */
  staleRepeats: number;
  /** The plant's offset moving faster than this (volts a minute) over the drift window is a fault... */
  driftVPerMin: number;
  /** ...measured over this many fresh readings. */
  driftWindow: number;
}

export type { AlarmSeverity } from '../src/kit/alarms/alarm-table.js';
import type { AlarmSeverity } from '../src/kit/alarms/alarm-table.js';

export type BlockAlarmCode =
  | 'READING_OUTLIER'
  | 'READBACK_MISMATCH'
  | 'NO_OUTPUT'
  | 'READING_STALE'
  | 'DRIFT'
  | 'HOLD_LIMIT'
  | 'NO_READINGS'
  | 'OUTPUT_STANDBY';

/** An abnormal condition as a block sees it; the server stamps it with the time it was raised. */
export interface BlockAlarm {
  code: BlockAlarmCode;
  severity: AlarmSeverity;
  /** One sentence naming the value and what was expected. */
  message: string;
  /** The value that raised it (volts, or a count). */
  value: number | null;
}

/** What the judge remembers between readings. */
export interface JudgeState {
  /** HV minus the output's nominal HV on the accepted readings (the transfer's error at this setpoint); null before the first. */
  offset: number | null;
  /** How uncertain `offset` is (volts): the transfer's error after a new setpoint, 0 once a settled reading has come. */
  uncertainV: number;
  /** A reading held back, waiting for the next one to confirm or refute it. */
  suspect: { residual: number; volts: number; count: number } | null;
  /** The last raw value, how many readings in a row had it, and the output's nominal HV when it first came. */
  lastRaw: number | null;
  repeats: number;
  outputAtLastRaw: number | null;
  /** Recent (time, HV − nominal HV) of quiet readings, for the drift rate. */
  history: { at: number; offset: number }[];
  /**
   * The history from before a new setpoint, until the first settled reading there says how far the
   * offset moved with the step (the transfer's shape): then it is moved by that much and joins the
   * readings taken since. Meanwhile the rate is not judged.
   */
  historyBefore: { at: number; offset: number }[] | null;
  /** Plausible readings in a row (an alarm clears after two). */
  plausibleRun: number;
}

export const freshJudge = (offset: number | null = null): JudgeState => ({
  offset,
  uncertainV: 0,
  suspect: null,
  lastRaw: null,
  repeats: 0,
  outputAtLastRaw: null,
  history: [],
  historyBefore: null,
  plausibleRun: 0,
});

export type Verdict =
  /** May correct and teach the transfer; `residual` is the reading minus its expectation. */
  | { kind: 'plausible'; residual: number; expected: number }
  /** A small confirmed change of the plant: accepted, the offset re-based on it. */
  | { kind: 'confirmed'; residual: number; expected: number }
  /** Held back; with an alarm when it is beyond `implausibleV`. */
  | { kind: 'held'; residual: number; expected: number; alarm: BlockAlarm | null }
  /** The plant or the voltmeter does not behave as modelled: stop correcting. */
  | { kind: 'fault'; alarm: BlockAlarm };

/** The readings' noise (one sigma) at `hv` volts. */
export function noiseAt(hv: number, s: CheckSettings): number {
  return s.noiseV + (s.noiseVPerKv * Math.abs(hv)) / 1000;
}

/** How far a reading may be from its expectation before it is held back, volts. */
export function outlierLimit(expected: number, s: CheckSettings, transientV: number, uncertainV: number): number {
  return Math.max(s.outlierSigmas * noiseAt(expected, s), s.outlierFloorV) + uncertainV + transientV;
}

/**
 * A new setpoint `stepV` volts from the last: the offset seen so far still predicts the next
 * reading, within the transfer's error over the step. What the meter last said is kept, so a
 * reading unchanged across the step is found stuck; the drift history is carried over and
 * re-based at the first settled reading.
 */
export function afterNewSetpoint(state: JudgeState, stepV: number, s: CheckSettings): JudgeState {
  const uncertainV = state.offset === null ? s.modelToleranceV : Math.min(s.modelToleranceV, (s.modelToleranceVPerKv * Math.abs(stepV)) / 1000);
  // Readings taken since an earlier step that never settled belong to no level: dropped.
  const historyBefore = state.historyBefore ?? state.history;
  return { ...state, uncertainV: Math.max(state.uncertainV, uncertainV), suspect: null, plausibleRun: 0, historyBefore, history: [] };
}

/** Small deviations in a row, the same way, that make a real change of the plant. */
const CONFIRMING_READINGS = 3;

const fmt = (v: number) => v.toFixed(3);
const signed = (v: number) => `${v >= 0 ? '+' : '−'}${Math.abs(v).toFixed(3)}`;

/**
 * Repeated-median slope (volts a minute): for each point the median of its slopes to the others,
 * then the median of those. Blind to up to half the points being outliers; the plain median of all
 * pairwise slopes (Theil–Sen) was fooled by three of the 0.74 % outliers in eight readings, about
 * once in two simulated days, and called the noise a drift.
 */
export function robustSlopePerMin(points: readonly { at: number; offset: number }[]): number {
  // Run at every reading over a window of a few points: numbers in two typed arrays, no closures.
  const n = points.length;
  const slopes = new Float64Array(n);
  const perPoint = new Float64Array(n);
  let m = 0;
  for (let i = 0; i < n; i++) {
    let k = 0;
    for (let j = 0; j < n; j++) {
      const dt = points[j]!.at - points[i]!.at;
      if (j !== i && dt !== 0) slopes[k++] = ((points[j]!.offset - points[i]!.offset) / dt) * 60_000;
    }
    if (k > 0) perPoint[m++] = medianOf(slopes, k);
  }
  return m === 0 ? 0 : medianOf(perPoint, m);
}

/** The median of the first `n` values of `xs` (reordered in place; an insertion sort, for a few values). */
function medianOf(xs: Float64Array, n: number): number {
  for (let i = 1; i < n; i++) {
    const x = xs[i]!;
    let j = i - 1;
    while (j >= 0 && xs[j]! > x) {
      xs[j + 1] = xs[j]!;
      j--;
    }
    xs[j + 1] = x;
  }
  const mid = n >> 1;
  return n % 2 ? xs[mid]! : (xs[mid - 1]! + xs[mid]!) / 2;
}

function mismatch(reading: Reading, expected: number, residual: number, s: CheckSettings, confirmed: boolean): BlockAlarm {
  const times = confirmed ? 'two readings in a row' : 'one reading';
  if (confirmed && Math.abs(expected) > 10 * s.outlierFloorV && reading.volts / expected < s.tripFraction) {
    return {
      code: 'NO_OUTPUT',
      severity: 'MAJOR',
      message: `the reading ${fmt(reading.volts)} V is below ${s.tripFraction * 100} % of the ${expected.toFixed(1)} V the output should give (${times}): the supply has tripped or its output is off`,
      value: reading.volts,
    };
  }
  if (!confirmed) {
    return {
      code: 'READING_OUTLIER',
      severity: 'MINOR',
      message: `the reading ${fmt(reading.volts)} V is ${signed(residual)} V from the expected ${fmt(expected)} V (more than ${s.implausibleV} V); held back until the next reading confirms it`,
      value: reading.volts,
    };
  }
  return {
    code: 'READBACK_MISMATCH',
    severity: 'MAJOR',
    message: `the readings (${fmt(reading.volts)} V) stay ${signed(residual)} V from the ${fmt(expected)} V the output should give (${times}; at most ${s.implausibleV} V expected): the supply or the voltmeter is wrong`,
    value: reading.volts,
  };
}

export interface JudgeOptions {
  /** What the last output change may still leave in the reading, volts: widens the tolerance. */
  transientV?: number;
  /**
   * Whether the reading may move the expectation (the offset, a confirmed change): the last change
   * has settled in it by the block's own rule. One still carrying its transient is judged, but
   * moves nothing. By default: when the transient is below half the outlier floor, which is also
   * what the drift rate and a value stuck across a change need.
   */
  settled?: boolean;
  /** While an alarm is active the expectation stays where it was before the fault: nothing re-bases it. */
  frozen?: boolean;
  /**
   * The reading measured the output as it was before a change made since (its integration ended
   * first), and `outputHv` is that earlier output: it is judged, but stays out of the drift history,
   * which a new setpoint has already set apart.
   */
  beforeChange?: boolean;
}

/**
 * Judges one reading taken while the written output gives `outputHv` volts by the configured
 * transfer. Returns the verdict and the judge's next state.
 */
/**
 * How many times the predicted transient a reading still settling may really carry: the first-order
 * model predicts readings 2 to 4 after a step within 0.02 of the step, so twice the prediction
 * leaves room for a supply slower than fitted.
 */
const TRANSIENT_MARGIN = 2;

export function judgeReading(
  state: JudgeState,
  reading: Reading,
  outputHv: number,
  s: CheckSettings,
  options: JudgeOptions = {},
): { verdict: Verdict; state: JudgeState } {
  const transientV = options.transientV ?? 0;
  const frozen = options.frozen ?? false;
  const quiet = transientV <= s.outlierFloorV / 2;
  const settled = options.settled ?? quiet;
  const next: JudgeState = { ...state, history: state.history };
  // Repeats: a live meter's last digit moves from reading to reading.
  if (state.lastRaw !== null && reading.raw === state.lastRaw) {
    next.repeats = state.repeats + 1;
    // Unchanged across a change of the output: a settled reading must show all of it, one still
    // settling at least what the transient (taken twice over) cannot hide.
    const change = Math.abs(outputHv - (state.outputAtLastRaw ?? outputHv));
    const moved = quiet ? change : Math.max(0, change - TRANSIENT_MARGIN * transientV);
    const visible = Math.max(s.outlierSigmas * noiseAt(outputHv, s), s.outlierFloorV);
    if (moved > visible || next.repeats + 1 >= s.staleRepeats) {
      const why =
        moved > visible
          ? `the reading ${fmt(reading.volts)} V did not change while the output moved ${moved.toFixed(3)} V`
          : `the voltmeter repeated ${fmt(reading.volts)} V exactly ${next.repeats + 1} times in a row; the noise (${(noiseAt(outputHv, s) * 1000).toFixed(1)} mV) makes that all but impossible for a live reading`;
      next.plausibleRun = 0;
      return { verdict: { kind: 'fault', alarm: { code: 'READING_STALE', severity: 'MAJOR', message: `${why}: the voltmeter is stuck`, value: reading.volts } }, state: next };
    }
  } else {
    next.lastRaw = reading.raw;
    next.repeats = 0;
    next.outputAtLastRaw = outputHv;
  }

  const expected = outputHv + (state.offset ?? 0);
  const residual = reading.volts - expected;
  const limit = outlierLimit(expected, s, transientV, state.offset === null ? Math.max(s.modelToleranceV, state.uncertainV) : state.uncertainV);
  const plausible = Math.abs(residual) <= limit;

  // Drift: how fast the plant's own offset moves, whatever the corrections did. Jumps beyond
  // implausibleV (a trip, a spike) are judged on their own and kept out of the rate.
  const fromOffset = reading.volts - outputHv;
  // The first settled reading at a new setpoint fixes the offset there: the history from before the
  // step is moved by the same amount, so the transfer's change over the step does not look like drift.
  const rebasing = plausible && settled && !frozen && state.offset !== null && state.uncertainV > 0;
  let earlier = state.history;
  if (rebasing && state.historyBefore) {
    const shift = fromOffset - state.offset!;
    earlier = [...state.historyBefore.map((p) => ({ at: p.at, offset: p.offset + shift })), ...state.history];
    next.historyBefore = null;
  } else if (state.offset === null && plausible && settled && !frozen) next.historyBefore = null;
  if (quiet && !options.beforeChange && Math.abs(residual) <= s.implausibleV) {
    next.history = [...earlier, { at: reading.startedAt, offset: fromOffset }].slice(-s.driftWindow);
    if (next.historyBefore === null && next.history.length >= s.driftWindow) {
      const rate = robustSlopePerMin(next.history);
      if (Math.abs(rate) > s.driftVPerMin) {
        next.plausibleRun = 0;
        next.suspect = null;
        const message = `the HV moves ${signed(rate)} V/min against the output over the last ${s.driftWindow} readings (at most ${s.driftVPerMin} V/min expected): the correction does not follow a drift faster than the supply's own`;
        return { verdict: { kind: 'fault', alarm: { code: 'DRIFT', severity: 'MAJOR', message, value: rate } }, state: next };
      }
    }
  }

  if (plausible) {
    next.suspect = null;
    next.plausibleRun = state.plausibleRun + 1;
    if (rebasing || (state.offset === null && settled && !frozen)) {
      next.offset = fromOffset;
      next.uncertainV = 0;
    } else if (!frozen && settled) next.offset = state.offset! + 0.5 * (fromOffset - state.offset!);
    return { verdict: { kind: 'plausible', residual, expected }, state: next };
  }

  next.plausibleRun = 0;
  const previous = state.suspect;
  const large = (r: number) => Math.abs(r) > s.implausibleV;
  // Off the same way as the reading before, and as far: a fault at once if large; a real change
  // if small and the third in a row. (A spike followed by a reading a little off is neither: that
  // one is held in its turn.)
  if (previous && Math.sign(previous.residual) === Math.sign(residual) && large(previous.residual) === large(residual)) {
    const count = previous.count + 1;
    if (large(residual)) {
      next.suspect = { residual, volts: reading.volts, count };
      return { verdict: { kind: 'fault', alarm: mismatch(reading, expected, residual, s, true) }, state: next };
    }
    if (frozen || !settled || count < CONFIRMING_READINGS) {
      next.suspect = { residual, volts: reading.volts, count };
      return { verdict: { kind: 'held', residual, expected, alarm: null }, state: next };
    }
    next.suspect = null;
    next.offset = fromOffset;
    next.uncertainV = 0;
    // The change is real: the readings from before it join the history at the level it set.
    if (state.historyBefore && state.offset !== null) {
      const shift = fromOffset - state.offset;
      next.history = [...state.historyBefore.map((p) => ({ at: p.at, offset: p.offset + shift })), ...next.history].slice(-s.driftWindow);
    }
    next.historyBefore = null;
    return { verdict: { kind: 'confirmed', residual, expected }, state: next };
  }
  next.suspect = { residual, volts: reading.volts, count: 1 };
  // One reading is an alarm only if no transient could explain it (a reading begun before a step
  // also carries how far the old level was from its own expectation): none is there, or it is
  // off by more than twice what the transient can leave (a trip, a spike during a ramp).
  const unexplained = transientV < s.implausibleV || Math.abs(residual) > TRANSIENT_MARGIN * transientV + s.implausibleV;
  const alarm = large(residual) && unexplained ? mismatch(reading, expected, residual, s, false) : null;
  return { verdict: { kind: 'held', residual, expected, alarm }, state: next };
}
