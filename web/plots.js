// A block's two linked uPlot charts: the HV with the setpoint as a step line and its tolerance
// band, and under it the deviation from the setpoint in mV on a scale where ±0.1 V and ±0.03 V
// are plain to see. They share the cursor and the time axis: a drag on either zooms both, the
// buttons zoom and pan them from the keyboard, a double click or "Reset" returns to the range.
// Colours come from the page's CSS (light or dark theme), read again when the theme changes.

import { deviationData, deviationRange, hvData, settledDeviations } from './series.js';
import { timeZone } from './time-format.js';

/** The guides drawn on the deviation plot besides the band, mV. */
const GUIDE_MV = 30;

let palette = readPalette();

function readPalette() {
  const css = getComputedStyle(document.documentElement);
  const v = (name, fallback) => css.getPropertyValue(name).trim() || fallback;
  return {
    reading: v('--plot-reading', '#1a5fb4'),
    setpoint: v('--plot-setpoint', '#137333'),
    band: v('--plot-band', 'rgba(19,115,51,0.12)'),
    bandEdge: v('--plot-band-edge', 'rgba(19,115,51,0.45)'),
    guide: v('--plot-guide', '#b06000'),
    axis: v('--plot-axis', '#475467'),
    grid: v('--plot-grid', 'rgba(0,0,0,0.08)'),
  };
}

/** The theme changed: every plot takes the new colours at its next redraw. */
export function themeChanged(plots) {
  palette = readPalette();
  for (const p of plots) p.redraw();
}

// Tick labels by tick spacing (uPlot's table form): 24-hour clock, the date under the first tick of a day.
const TIME_TICKS = [
  [3600 * 24 * 365, '{YYYY}', null, null, null, null, null, null, 1],
  [3600 * 24 * 28, '{MMM}', '\n{YYYY}', null, null, null, null, null, 1],
  [3600 * 24, '{D} {MMM}', '\n{YYYY}', null, null, null, null, null, 1],
  [3600, '{HH}:{mm}', '\n{D} {MMM} {YYYY}', null, '\n{D} {MMM}', null, null, null, 1],
  [60, '{HH}:{mm}', '\n{D} {MMM} {YYYY}', null, '\n{D} {MMM}', null, null, null, 1],
  [1, '{HH}:{mm}:{ss}', '\n{D} {MMM} {YYYY}', null, '\n{D} {MMM}', null, null, null, 1],
];

const FONT = '12px system-ui, sans-serif';

function axis(extra = {}) {
  return {
    stroke: () => palette.axis,
    grid: { stroke: () => palette.grid, width: 1 },
    ticks: { stroke: () => palette.grid, width: 1 },
    font: FONT,
    labelFont: FONT,
    ...extra,
  };
}

/** Decimals enough to tell ticks `incr` apart. */
function decimalsFor(incr) {
  return Math.max(0, Math.min(6, -Math.floor(Math.log10(incr) + 1e-9)));
}

const volts = (u, ticks, _i, _space, incr) => ticks.map((t) => t.toFixed(decimalsFor(incr)));
const mvText = (t) => (Math.abs(t) >= 10 ? Math.round(Math.abs(t)) : Math.round(Math.abs(t) * 10) / 10).toLocaleString('en-US').replace(/,/g, '\u2009');
const millivolts = (u, ticks) => ticks.map((t) => (t > 0 ? `+${mvText(t)}` : t < 0 ? `−${mvText(t)}` : '0'));

function timeAxis() {
  return axis({ values: TIME_TICKS, space: 70 });
}

function baseOptions(width, height, syncKey) {
  return {
    width,
    height,
    tzDate: (ts) => uPlot.tzDate(new Date(ts * 1e3), timeZone()),
    // The default double click zooms to the data's extent; here it returns to the picked range (below).
    // A drag selects; the zoom itself is ours (setSelect below), applied to both plots at once.
    cursor: { sync: { key: syncKey }, drag: { x: true, y: false, setScale: false }, bind: { dblclick: () => null } },
    legend: { live: true },
  };
}

const fixed3 = (u, v) => (v == null ? '—' : v.toFixed(3));
// The band's edges are drawn, but not listed in the legend (class band-edge, hidden by app.css).
const edge = (scale) => ({ label: 'tolerance', class: 'band-edge', scale, stroke: () => palette.bandEdge, width: 1, paths: uPlot.paths.stepped({ align: 1 }), points: { show: false } });

function makeHv(el, width, height, syncKey, withSetpoint) {
  const series = [
    { value: '{YYYY}-{MM}-{DD} {HH}:{mm}:{ss}' },
    { label: 'reading (V)', stroke: () => palette.reading, width: 1.5, points: { size: 4, fill: () => palette.reading }, value: fixed3 },
  ];
  if (withSetpoint) {
    series.push(
      { label: 'setpoint (V)', stroke: () => palette.setpoint, width: 1.5, dash: [6, 4], paths: uPlot.paths.stepped({ align: 1 }), points: { show: false }, value: fixed3 },
      { ...edge('y'), value: fixed3 },
      { ...edge('y'), value: fixed3 },
    );
  }
  const opts = {
    ...baseOptions(width, height, syncKey),
    scales: { x: { time: true }, y: {} },
    series,
    bands: withSetpoint ? [{ series: [3, 4], fill: () => palette.band }] : [],
    axes: [timeAxis(), axis({ values: volts, size: 78, label: 'HV (V)', labelSize: 18 })],
  };
  return new uPlot(opts, series.map(() => []), el);
}

/**
 * The deviation axis' ticks: 0, the ±30 mV guides, the band's edges and the scale's ends, those
 * that do not crowd one another (a wide scale drops the small ones): the operator reads the band
 * off the axis.
 */
function deviationSplits(u, tolMv) {
  const [lo, hi] = [u.scales.mV.min, u.scales.mV.max];
  const half = Math.max(Math.abs(lo), Math.abs(hi));
  // In order of importance: what does not fit beside those before it is left out.
  const wanted = [0, tolMv, GUIDE_MV, half].map((v) => Math.round(v * 10) / 10).filter((v, i, all) => v >= 0 && v <= half && all.indexOf(v) === i);
  const px = (mv) => u.valToPos(mv, 'mV');
  const kept = [];
  for (const v of wanted) if (kept.every((k) => Math.abs(px(k) - px(v)) >= 13)) kept.push(v);
  return [...new Set(kept.flatMap((v) => (v === 0 ? [0] : [-v, v])))].sort((a, b) => a - b);
}

function makeDeviation(el, width, height, syncKey, range, tolerance) {
  const opts = {
    ...baseOptions(width, height, syncKey),
    scales: { x: { time: true }, mV: { range: () => range() } },
    series: [
      { value: '{YYYY}-{MM}-{DD} {HH}:{mm}:{ss}' },
      { label: 'deviation (mV)', scale: 'mV', stroke: () => palette.reading, width: 1.5, points: { size: 4, fill: () => palette.reading }, value: (u, v) => (v == null ? '—' : v.toFixed(1)) },
      edge('mV'),
      edge('mV'),
    ],
    bands: [{ series: [2, 3], fill: () => palette.band }],
    axes: [timeAxis(), axis({ scale: 'mV', values: millivolts, splits: (u) => deviationSplits(u, tolerance()), size: 78, label: 'deviation (mV)', labelSize: 18 })],
    hooks: { drawAxes: [drawGuides], draw: [drawOffScale] },
  };
  return new uPlot(opts, [[], [], [], []], el);
}

/** Dashed lines at ±30 mV and 0, under the data. */
function drawGuides(u) {
  const { ctx } = u;
  const { left, width, top, height } = u.bbox;
  ctx.save();
  ctx.beginPath();
  ctx.rect(left, top, width, height);
  ctx.clip();
  ctx.lineWidth = devicePixelRatio;
  for (const [mv, dash] of [[GUIDE_MV, [4, 4]], [-GUIDE_MV, [4, 4]], [0, []]]) {
    const y = Math.round(u.valToPos(mv, 'mV', true)) + 0.5;
    ctx.strokeStyle = mv === 0 ? palette.axis : palette.guide;
    ctx.globalAlpha = mv === 0 ? 0.5 : 0.8;
    ctx.setLineDash(dash.map((d) => d * devicePixelRatio));
    ctx.beginPath();
    ctx.moveTo(left, y);
    ctx.lineTo(left + width, y);
    ctx.stroke();
  }
  ctx.restore();
}

/** Readings beyond the deviation scale (a ramp, an outlier): a small triangle at the edge, pointing their way. */
function drawOffScale(u) {
  const { ctx } = u;
  const { left, top, width, height } = u.bbox;
  const [xs, devs] = u.data;
  const { min, max } = u.scales.mV;
  const size = 4 * devicePixelRatio;
  ctx.save();
  ctx.fillStyle = palette.guide;
  for (let i = 0; i < xs.length; i++) {
    const mv = devs[i];
    if (mv == null || (mv >= min && mv <= max)) continue;
    const x = u.valToPos(xs[i], 'x', true);
    if (x < left || x > left + width) continue;
    const up = mv > max;
    const y = up ? top + size : top + height - size;
    ctx.beginPath();
    ctx.moveTo(x, up ? y - size : y + size);
    ctx.lineTo(x - size, up ? y + size : y - size);
    ctx.lineTo(x + size, up ? y + size : y - size);
    ctx.fill();
  }
  ctx.restore();
}

/**
 * The pair in `el`: `update(model)` redraws from the readings and setpoints; the view is
 * `model.view` ([from, to] ms) unless the operator zoomed.
 */
export function plotPair(el, { key, deviation, hvHeight = 210, devHeight = 240 }) {
  el.classList.add('plots');
  const hvEl = document.createElement('div');
  hvEl.className = 'plot plot-hv';
  el.append(hvEl);
  let devEl = null;
  if (deviation) {
    devEl = document.createElement('div');
    devEl.className = 'plot plot-dev';
    el.append(devEl);
  }
  const width = () => Math.max(200, el.clientWidth);
  let devRange = [-150, 150];
  let devTolerance = 100;
  const hv = makeHv(hvEl, width(), hvHeight, key, deviation);
  const dev = devEl ? makeDeviation(devEl, width(), devHeight, key, () => devRange, () => devTolerance) : null;
  const all = dev ? [hv, dev] : [hv];
  // Each chart on its element, for the browser tests and anyone at the console: el.uplot.data, .scales.
  hvEl.uplot = hv;
  if (devEl) devEl.uplot = dev;

  let view = null; // [from, to] s: the range picked
  let zoom = null; // [from, to] s: the operator's zoom, or null

  const apply = () => {
    const [min, max] = zoom ?? view ?? [0, 1];
    for (const u of all) u.setScale('x', { min, max });
    el.dataset.zoomed = String(zoom !== null);
  };

  // A drag across one chart zooms both to the times selected.
  for (const u of all) {
    u.hooks.setSelect = [
      (self) => {
        if (self.select.width < 2) return;
        zoom = [self.posToVal(self.select.left, 'x'), self.posToVal(self.select.left + self.select.width, 'x')];
        self.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
        apply();
      },
    ];
    u.over.addEventListener('dblclick', () => {
      zoom = null;
      apply();
    });
  }

  // The plots take their card's width, whenever it changes (first layout, window, phone rotation).
  const resize = new ResizeObserver(() => {
    const w = width();
    for (const u of all) if (Math.abs(u.width - w) > 1) u.setSize({ width: w, height: u.height });
  });
  resize.observe(el);

  const span = () => {
    const [a, b] = zoom ?? view ?? [0, 1];
    return [a, b, b - a];
  };

  return {
    plots: all,
    get zoomed() {
      return zoom !== null;
    },
    /** points: [[ms, V]]; setpoints: [[ms, V, tolerance V]]; tolerance: the band when a setpoint has none; view: [from, to] ms. */
    update({ points, setpoints, tolerance, view: [from, to] }) {
      view = [from / 1000, to / 1000];
      // setData ranges x to the data; apply() then sets the view.
      const hvAll = hvData(points, setpoints, tolerance);
      hv.setData(deviation ? hvAll : hvAll.slice(0, 2));
      if (dev) {
        const data = deviationData(points, setpoints, tolerance);
        devTolerance = (setpoints.at(-1)?.[2] ?? tolerance) * 1000;
        devRange = deviationRange(settledDeviations(points, setpoints, tolerance, from, to));
        dev.setData(data);
        el.dataset.devMin = String(devRange[0]);
        el.dataset.devMax = String(devRange[1]);
      }
      apply();
    },
    zoomIn() {
      const [a, , w] = span();
      zoom = [a + w / 4, a + (3 * w) / 4];
      apply();
    },
    zoomOut() {
      const [a, , w] = span();
      zoom = [a - w / 2, a + (3 * w) / 2];
      if (view && zoom[0] <= view[0] && zoom[1] >= view[1]) zoom = null;
      apply();
    },
    /** Moves the view a quarter of its width: -1 earlier, +1 later. */
    pan(direction) {
      const [a, b, w] = span();
      zoom = [a + (direction * w) / 4, b + (direction * w) / 4];
      apply();
    },
    resetZoom() {
      zoom = null;
      apply();
    },
    destroy() {
      resize.disconnect();
      for (const u of all) u.destroy();
    },
  };
}
