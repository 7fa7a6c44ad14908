// The tab's title and icon carry the number of unacknowledged alarms ("(2) HV rack — operator",
// a red disc with a 2), so a tab in the background still says that someone has to look. The icon is
// drawn on a canvas and set as a data: URL (the Content-Security-Policy allows `img-src data:`).

import { severityClass } from './alarms.js';

const BASE = document.title;
/** The page's own icon (the empty `data:,`), back when nothing is unacknowledged. */
const CALM_ICON = document.querySelector('link[rel="icon"]')?.getAttribute('href') ?? 'data:,';
const COLOURS = { 'sev-major': '#c5221f', 'sev-minor': '#a35f00', 'sev-invalid': '#9c27b0' };

let shown = null;

/** `count` unacknowledged alarms, the most severe of them `severity`. */
export function showAlarmCount(count, severity) {
  const key = `${count}|${severity}`;
  if (key === shown) return;
  shown = key;
  document.title = count > 0 ? `(${count}) ${BASE}` : BASE;
  document.documentElement.dataset.unacknowledged = String(count);
  const icon = document.querySelector('link[rel="icon"]');
  if (!icon) return;
  icon.href = count > 0 ? drawIcon(count, COLOURS[severityClass(severity)]) : CALM_ICON;
}

function drawIcon(count, colour) {
  const size = 32;
  const canvas = document.createElement('canvas');
  canvas.width = size;
  canvas.height = size;
  const g = canvas.getContext('2d');
  if (!g) return CALM_ICON;
  g.fillStyle = colour;
  g.beginPath();
  g.arc(size / 2, size / 2, size / 2, 0, 2 * Math.PI);
  g.fill();
  const text = count > 99 ? '99+' : String(count);
  g.fillStyle = '#fff';
  g.font = `bold ${text.length > 2 ? 13 : text.length > 1 ? 18 : 22}px system-ui, sans-serif`;
  g.textAlign = 'center';
  g.textBaseline = 'middle';
  g.fillText(text, size / 2, size / 2 + 1);
  return canvas.toDataURL('image/png');
}
