// The numbers behind a block's plots, with no DOM: readings merged in time order whichever came
// first (history or live), the setpoint in force at any time, gaps where readings stopped, the
// deviation in mV, and a deviation scale on which the tolerance band and a few tens of mV show.
// Times are the server's clock in ms; uPlot wants seconds.

/** A reading is about every 4 s; a pause longer than this many periods is drawn as a gap. */
const GAP_PERIODS = 2.5;
export const DEFAULT_PERIOD_MS = 4020;
/** Readings off by more than this (the 99th percentile of |deviation|) widen the deviation scale. */
const SCALE_PERCENTILE = 0.99;
/** Half-spans the deviation scale picks from, mV: the smallest that holds the data. */
const LADDER_MV = [150, 200, 300, 500, 1000, 2000, 5000, 10_000, 20_000, 50_000, 100_000, 200_000, 500_000, 1_000_000, 2_000_000, 5_000_000, 10_000_000, 30_000_000];
/** A block has settled on a new setpoint once a reading is this close (or within its band, if narrower), mV. */
const SETTLED_MV = 30;

/** The index of the first item whose time is > at (items sorted by [0]). */
function upperBound(items, at) {
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (items[mid][0] <= at) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * `into` (sorted by time) with `more` merged in: sorted, one item per time (the later one given
 * wins), so a live reading that also came back in the history is there once.
 */
export function mergeByTime(into, more) {
  if (more.length === 0) return into;
  const last = into.at(-1);
  // The usual case, a live reading newer than all before it: appended.
  if (more.length === 1 && (!last || more[0][0] > last[0])) {
    into.push(more[0]);
    return into;
  }
  const byTime = new Map();
  for (const item of into) byTime.set(item[0], item);
  for (const item of more) byTime.set(item[0], item);
  return [...byTime.values()].sort((a, b) => a[0] - b[0]);
}

/** Items at or after `from`, keeping the last one before it when `keepBefore` (a setpoint still in force). */
export function dropBefore(items, from, keepBefore = false) {
  const i = upperBound(items, from - 1e-9);
  const cut = keepBefore ? Math.max(0, i - 1) : i;
  if (cut > 0) items.splice(0, cut);
  return items;
}

/** The setpoint item [at, volts, tolerance] in force at `at`, or null. */
export function setpointAt(setpoints, at) {
  const i = upperBound(setpoints, at);
  return i > 0 ? setpoints[i - 1] : null;
}

/** The typical time between readings (the median of the last few gaps), ms. */
export function readingPeriod(points) {
  const gaps = [];
  for (let i = Math.max(1, points.length - 15); i < points.length; i++) gaps.push(points[i][0] - points[i - 1][0]);
  if (gaps.length === 0) return DEFAULT_PERIOD_MS;
  gaps.sort((a, b) => a - b);
  return gaps[gaps.length >> 1] || DEFAULT_PERIOD_MS;
}

/** How long without a reading is drawn as a gap: a few periods (of the data as thinned). */
export function gapThreshold(points) {
  return GAP_PERIODS * Math.max(DEFAULT_PERIOD_MS, readingPeriod(points));
}

/**
 * uPlot's data for the HV plot: x (s); reading (V), null where readings stopped for longer than a
 * gap; setpoint and its band, a value at every x. The setpoint's changes are x values of their own
 * (with no reading there: undefined, which uPlot joins over), so its steps fall where they happened.
 */
export function hvData(points, setpoints, defaultTolerance) {
  const gap = gapThreshold(points);
  const xs = [];
  const hv = [];
  const sp = [];
  const hi = [];
  const lo = [];
  const push = (at, volts, setpoint) => {
    xs.push(at / 1000);
    hv.push(volts);
    const value = setpoint ? setpoint[1] : null;
    const tol = setpoint ? (setpoint[2] ?? defaultTolerance) : null;
    sp.push(value);
    hi.push(value === null ? null : value + tol);
    lo.push(value === null ? null : value - tol);
  };
  const first = points[0]?.[0] ?? Infinity;
  const last = points.at(-1)?.[0] ?? -Infinity;
  let s = 0;
  for (let i = 0; i < points.length; i++) {
    const [at, volts] = points[i];
    // Setpoint changes up to this reading, between the first and last reading.
    while (s < setpoints.length && setpoints[s][0] <= at) {
      if (setpoints[s][0] > first && setpoints[s][0] < at) push(setpoints[s][0], undefined, setpoints[s]);
      s++;
    }
    if (i > 0 && at - points[i - 1][0] > gap) push((points[i - 1][0] + at) / 2, null, setpointAt(setpoints, (points[i - 1][0] + at) / 2));
    push(at, volts, setpointAt(setpoints, at));
  }
  // A setpoint changed after the last reading: its step shows at once.
  for (; s < setpoints.length; s++) if (setpoints[s][0] > last && points.length > 0) push(setpoints[s][0], undefined, setpoints[s]);
  return [xs, hv, sp, hi, lo];
}

/** uPlot's data for the deviation plot: x (s); reading − setpoint in force (mV), null at gaps; ± the tolerance (mV). */
export function deviationData(points, setpoints, defaultTolerance) {
  const gap = gapThreshold(points);
  const xs = [];
  const dev = [];
  const hi = [];
  const lo = [];
  for (let i = 0; i < points.length; i++) {
    const [at, volts] = points[i];
    if (i > 0 && at - points[i - 1][0] > gap) {
      xs.push((points[i - 1][0] + at) / 2000);
      dev.push(null);
      hi.push(hi.at(-1) ?? null);
      lo.push(lo.at(-1) ?? null);
    }
    const sp = setpointAt(setpoints, at);
    const tolMv = sp ? (sp[2] ?? defaultTolerance) * 1000 : null;
    xs.push(at / 1000);
    dev.push(sp ? (volts - sp[1]) * 1000 : null);
    hi.push(tolMv);
    lo.push(tolMv === null ? null : -tolMv);
  }
  return [xs, dev, hi, lo];
}

/** After a new setpoint, readings are left out of the scale until one is settled, for at most this long. */
const SETTLE_MAX_MS = 5 * 60_000;

/**
 * The deviations (mV) that set the deviation plot's scale: those of readings between `from` and
 * `to`, except while the block settles on a new setpoint (from the change until a reading is
 * within 30 mV, or its band if narrower): a ramp, and the first corrections inside the band, are
 * not what the operator checks; a trip or a drift is.
 */
export function settledDeviations(points, setpoints, defaultTolerance, from, to) {
  const out = [];
  let s = 0;
  let settlingSince = null;
  for (const [at, volts] of points) {
    while (s < setpoints.length && setpoints[s][0] <= at) settlingSince = setpoints[s++][0];
    const sp = s > 0 ? setpoints[s - 1] : null;
    if (!sp) continue;
    const mv = (volts - sp[1]) * 1000;
    if (settlingSince !== null) {
      if (Math.abs(mv) > Math.min(SETTLED_MV, (sp[2] ?? defaultTolerance) * 1000) && at - settlingSince < SETTLE_MAX_MS) continue;
      settlingSince = null;
    }
    if (at >= from && at <= to) out.push(mv);
  }
  return out;
}

/**
 * The deviation scale, symmetric about 0, mV: the smallest half-span of the ladder (±150 mV at
 * least, where ±100 and ±30 mV are plain) that holds the 99th percentile of |deviation|. An
 * outlier does not squash it; a trip widens it as far as it needs.
 */
export function deviationRange(devs) {
  const sizes = [];
  for (const d of devs) if (typeof d === 'number' && Number.isFinite(d)) sizes.push(Math.abs(d));
  sizes.sort((a, b) => a - b);
  // The 99th percentile, and at least the single largest left out once there are ten: one outlier never sets the scale.
  const skip = sizes.length >= 10 ? Math.max(1, Math.floor((1 - SCALE_PERCENTILE) * sizes.length)) : 0;
  const typical = sizes.length ? sizes[sizes.length - 1 - skip] : 0;
  // The band is not a reason to widen it: a ±0.5 V band around readings within ±20 mV would hide them.
  const need = typical * 1.1;
  const half = LADDER_MV.find((r) => r >= need) ?? need;
  return [-half, half];
}

const grouped = (n) => n.toLocaleString('en-US').replace(/,/g, '\u2009');

/** Deviation in mV as the operator reads it: "+12", "−3", "±0", "+1 250". */
export function formatMv(mv) {
  if (mv === null || mv === undefined || !Number.isFinite(mv)) return '—';
  const rounded = Math.round(mv);
  const sign = rounded > 0 ? '+' : rounded < 0 ? '−' : '±';
  return `${sign}${grouped(Math.abs(rounded))}`;
}

/** A deviation as [text, unit]: mV up to ±10 V, volts beyond (a trip reads "−998.4 V", not seven digits of mV). */
export function deviationText(mv) {
  if (mv === null || mv === undefined || !Number.isFinite(mv) || Math.abs(mv) < 10_000) return [formatMv(mv), 'mV'];
  const v = mv / 1000;
  return [`${v > 0 ? '+' : '−'}${grouped(Math.round(Math.abs(v) * 10) / 10)}`, 'V'];
}
