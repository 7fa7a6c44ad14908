// Clock times as the control room reads them: 24-hour, in the rack's time zone (the server's,
// where the TSV files roll at midnight), whatever the browser's own zone or language.

let zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
let formats = build(zone);

function build(timeZone) {
  const opts = { timeZone, hourCycle: 'h23' };
  return {
    time: new Intl.DateTimeFormat('en-GB', { ...opts, hour: '2-digit', minute: '2-digit', second: '2-digit' }),
    day: new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }),
  };
}

/** The rack's zone, from /api/status; an unknown name keeps the one before. */
export function setTimeZone(timeZone) {
  if (!timeZone || timeZone === zone) return;
  try {
    formats = build(timeZone);
    zone = timeZone;
  } catch {
    // Not a zone this browser knows: the times stay in the previous one.
  }
}

export function timeZone() {
  return zone;
}

/** "14:36:29". */
export function clockTime(ms) {
  return Number.isFinite(ms) ? formats.time.format(ms) : '—';
}

/** "2026-11-23", the rack's day. */
export function dayOf(ms) {
  return formats.day.format(ms);
}

/** "14:36:29" today (by `now`), "2026-11-22 14:36:29" another day. */
export function when(ms, now = Date.now()) {
  if (typeof ms !== 'number' || !Number.isFinite(ms)) return '—';
  return dayOf(ms) === dayOf(now) ? clockTime(ms) : `${dayOf(ms)} ${clockTime(ms)}`;
}

/** "3 s", "2 min 5 s", "1 h 4 min": how long ago, in whole seconds. */
export function duration(ms) {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}
