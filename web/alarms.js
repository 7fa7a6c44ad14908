// The rack's active alarms on the operator page: the panel listing them all (most severe first, as
// the server sends them) and the line each block card shows for its own. Every server string goes
// in with textContent.

import { clockTime, dayOf, when } from './time-format.js';

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

function cell(row, text, className = '') {
  const td = document.createElement('td');
  if (className) td.className = className;
  td.textContent = text;
  row.append(td);
  return td;
}

function severityPill(severity) {
  const pill = document.createElement('span');
  pill.className = `sev ${severityClass(severity)}`;
  pill.textContent = String(severity ?? '?');
  return pill;
}

/** Draws the panel: a table of the alarms, or a calm line when there are none. */
export function renderAlarmPanel(alarms) {
  const panel = document.getElementById('alarm-panel');
  const table = document.getElementById('alarm-table');
  const body = table.querySelector('tbody');
  const none = document.getElementById('no-alarms');
  const count = document.getElementById('alarm-count');
  const rows = alarms.map((a) => {
    const tr = document.createElement('tr');
    tr.className = severityClass(a.severity);
    tr.dataset.source = String(a.source);
    tr.dataset.code = String(a.code);
    cell(tr, '').append(severityPill(a.severity));
    const source = cell(tr, String(a.source ?? ''), 'source');
    if (a.instrument) {
      const instrument = document.createElement('div');
      instrument.className = 'muted instrument';
      instrument.textContent = String(a.instrument);
      source.append(instrument);
    }
    cell(tr, String(a.code ?? ''), 'code');
    cell(tr, String(a.status ?? ''), 'epics');
    cell(tr, String(a.message ?? ''), 'message');
    const since = cell(tr, sinceText(a.since), 'since');
    if (typeof a.since === 'number') since.title = `${dayOf(a.since)} ${clockTime(a.since)}`;
    return tr;
  });
  body.replaceChildren(...rows);
  table.hidden = alarms.length === 0;
  none.hidden = alarms.length > 0;
  none.textContent = 'No active alarms';
  count.hidden = alarms.length === 0;
  count.textContent = String(alarms.length);
  count.className = `badge count ${alarms.length ? severityClass(alarms[0].severity) : ''}`;
  panel.dataset.count = String(alarms.length);
  panel.dataset.severity = alarms[0]?.severity ?? 'NONE';
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
