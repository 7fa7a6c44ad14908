// The rack's active alarms as each block card shows its own (the line under its figures), and the
// severities' look shared by the alarm panel, the banner and the tab's icon. Every server string
// goes in with textContent.

import { when } from './time-format.js';

const RANK = { INVALID: 0, MAJOR: 1, MINOR: 2 };

/** The severity as a class name; anything unknown looks MAJOR rather than calm. */
export function severityClass(severity) {
  return `sev-${Object.hasOwn(RANK, severity) ? severity.toLowerCase() : 'major'}`;
}

/** The most severe first, then the oldest: the server's order, kept if a list is patched here. */
export function sortAlarms(alarms) {
  const rank = (a) => RANK[a.severity] ?? RANK.MAJOR;
  return [...alarms].sort((a, b) => rank(a) - rank(b) || (a.since ?? 0) - (b.since ?? 0));
}

/** "14:36:29" (24-hour, the rack's time zone), with the date when it was not today. */
export function sinceText(ms) {
  return when(ms);
}

function severityPill(severity) {
  const pill = document.createElement('span');
  pill.className = `sev ${severityClass(severity)}`;
  pill.textContent = String(severity ?? '?');
  return pill;
}

/** Fills a block card's alarm line with its most severe alarm (and how many more), or hides it. */
export function renderCardAlarm(el, alarms) {
  const line = el.querySelector('.card-alarm');
  const top = alarms[0];
  el.dataset.alarm = top ? String(top.code) : '';
  el.dataset.severity = top ? String(top.severity) : '';
  if (!line) return;
  line.hidden = !top;
  if (!top) return;
  line.className = `card-alarm ${severityClass(top.severity)}`;
  line.querySelector('.sev').replaceWith(severityPill(top.severity));
  line.querySelector('.code').textContent = String(top.code ?? '');
  line.querySelector('.epics').textContent = top.status ? String(top.status) : '';
  line.querySelector('.since').textContent = `since ${sinceText(top.since)}`;
  line.querySelector('.message').textContent = String(top.message ?? '');
  const more = alarms.length - 1;
  line.querySelector('.more').textContent = more > 0 ? `+ ${more} more: ${alarms.slice(1).map((a) => a.code).join(', ')}` : '';
}
