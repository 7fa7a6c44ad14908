// What happened and who did it, newest first: every command from every client (Online's over TCP
// as well as the pages'), with its connector, address and outcome, and every training action and
// refusal — from the server's audit trail (GET /api/audit, then the `audit` events of the
// observer feed); the alarms raised and cleared (GET /api/alarm-log, then the `alarm` events);
// this page's own lines (what it sent, the error replies it got); and the operators' notes
// (POST /api/note, kept in the audit trail). Filterable by kind and by text. Every server string
// goes in with textContent.

import { severityClass } from './alarms.js';
import { when } from './time-format.js';

/** Rows shown; the server keeps more. */
const SHOWN = 200;
const CONNECTOR = { tcp: 'TCP', ws: 'web', http: 'HTTP' };

const audit = new Map(); // id → entry
const alarmChanges = new Map(); // change|source|code|at → {at, change, alarm}
const notes = []; // {at, text, level}
let nowFn = () => Date.now();

const NOTE = 'note: ';

function auditKind(e) {
  if (e.outcome === 'refused') return 'refused';
  if (String(e.action).startsWith(NOTE)) return 'note';
  if (String(e.action).startsWith('training')) return 'training';
  return 'command';
}

function outcomeText(e) {
  const code = e.code != null ? ` ${e.code}` : '';
  const times = e.count > 1 ? ` ×${e.count}` : '';
  return `${e.outcome}${code}${times}${e.detail ? `: ${e.detail}` : ''}`;
}

/** Every item as a row's fields, newest first. */
function items() {
  const out = [];
  for (const e of audit.values()) {
    const kind = auditKind(e);
    out.push({
      at: e.at,
      order: e.id,
      kind,
      who: e.label ? `${e.label} (${e.address})` : e.address,
      via: CONNECTOR[e.connector] ?? e.connector,
      what: kind === 'note' ? e.action.slice(NOTE.length) : e.action,
      outcome: kind === 'note' ? '' : outcomeText(e),
      outcomeClass: `outcome-${e.outcome}`,
      data: { id: String(e.id), outcome: e.outcome },
    });
  }
  for (const { at, change, alarm: a } of alarmChanges.values()) {
    out.push({
      at,
      order: 0,
      kind: 'alarm',
      who: a.instrument ? `${a.source} (${a.instrument})` : String(a.source),
      via: '',
      what: change === 'raised' ? `${a.code} raised (${a.severity}, ${a.status}): ${a.message}` : `${a.code} cleared`,
      outcome: change === 'raised' ? String(a.severity) : 'cleared',
      outcomeClass: change === 'raised' ? `alarm-raised ${severityClass(a.severity)}` : 'alarm-cleared',
      data: { source: String(a.source), code: String(a.code), change },
    });
  }
  for (const n of notes) {
    out.push({ at: n.at, order: n.order, kind: 'page', who: 'this page', via: 'web', what: n.text, outcome: '', outcomeClass: `note-${n.level}`, data: { level: n.level } });
  }
  return out.sort((a, b) => b.at - a.at || b.order - a.order);
}

function filters() {
  const form = document.getElementById('activity-filter');
  const kinds = new Set([...form.querySelectorAll('input[name=kind]:checked')].map((i) => i.value));
  const text = form.querySelector('input[name=text]').value.trim().toLowerCase();
  return { kinds, text };
}

function cell(row, text, className) {
  const td = document.createElement('td');
  td.className = className;
  td.textContent = text;
  row.append(td);
  return td;
}

function render() {
  const { kinds, text } = filters();
  const all = items();
  const shown = all
    .filter((i) => kinds.has(i.kind) && (!text || `${i.who} ${i.via} ${i.what} ${i.outcome}`.toLowerCase().includes(text)))
    .slice(0, SHOWN);
  const now = nowFn();
  const body = document.querySelector('#activity-table tbody');
  body.replaceChildren(
    ...shown.map((i) => {
      const tr = document.createElement('tr');
      tr.dataset.kind = i.kind;
      for (const [k, v] of Object.entries(i.data)) tr.dataset[k] = v;
      tr.className = `kind-${i.kind} ${i.outcomeClass}`;
      cell(tr, when(i.at, now), 'at');
      cell(tr, i.kind, 'kind');
      cell(tr, i.who, 'who');
      cell(tr, i.via, 'via');
      cell(tr, i.what, 'what');
      cell(tr, i.outcome, 'outcome');
      return tr;
    }),
  );
  document.getElementById('activity-table').hidden = shown.length === 0;
  const empty = document.getElementById('no-activity');
  empty.hidden = shown.length > 0;
  empty.textContent = all.length === 0 ? 'Nothing yet.' : 'Nothing matches the filter.';
  document.getElementById('activity-count').textContent = shown.length < all.length ? `${shown.length} of ${all.length}` : String(all.length);
}

let pending = false;
/** Coalesces bursts (a loaded trail, a refusal loop) into one render per frame. */
function renderSoon() {
  if (pending) return;
  pending = true;
  requestAnimationFrame(() => {
    pending = false;
    render();
  });
}

/** `now` gives the rack's clock (for "today" in the time column). */
export function wireActivity(now) {
  nowFn = now;
  const form = document.getElementById('activity-filter');
  form.addEventListener('input', renderSoon);
  form.addEventListener('submit', (e) => e.preventDefault());
  render();
}

/** The note form: a line for the shift, kept by the server with who wrote it. */
export function wireNoteForm() {
  const form = document.getElementById('note-form');
  const error = form.querySelector('.form-error');
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    error.textContent = '';
    const text = form.text.value.trim();
    if (!text) return (error.textContent = 'Write the note first.');
    try {
      const res = await fetch('/api/note', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text }) });
      const result = await res.json();
      if (!result.ok) return (error.textContent = result.error);
      form.text.value = '';
    } catch {
      error.textContent = 'The server cannot be reached: the note is not kept.';
    }
  });
}

/** The whole trail, on load and on every reconnect (entries missed while offline are in it). */
export async function loadAudit() {
  const res = await fetch('/api/audit');
  if (!res.ok) return;
  const { entries } = await res.json();
  audit.clear();
  for (const e of entries) audit.set(e.id, e);
  renderSoon();
}

/** The recent alarm changes, on load and on every reconnect. */
export async function loadAlarmLog() {
  const res = await fetch('/api/alarm-log');
  if (!res.ok) return;
  const { entries } = await res.json();
  for (const e of entries) addAlarmChange(e.change, e.alarm, e.at, false);
  renderSoon();
}

/** One audit entry recorded or completed, from the observer feed. */
export function onAuditEvent(entry) {
  if (!entry || typeof entry.id !== 'number') return;
  audit.set(entry.id, entry);
  while (audit.size > 5 * SHOWN) audit.delete(Math.min(...audit.keys()));
  renderSoon();
}

/** An alarm raised (at its `since`) or cleared (at `at`). */
export function addAlarmChange(change, alarm, at, render = true) {
  if (!alarm || (change !== 'raised' && change !== 'cleared')) return;
  const time = change === 'raised' ? (alarm.since ?? at) : at;
  alarmChanges.set(`${change}|${alarm.source}|${alarm.code}|${time}`, { at: time, change, alarm });
  while (alarmChanges.size > 5 * SHOWN) alarmChanges.delete(alarmChanges.keys().next().value);
  if (render) renderSoon();
}

let noteOrder = 0;
/** A line of this page's own: `level` ok, warn or error. */
export function note(text, level = '', at = nowFn()) {
  notes.push({ at, text, level, order: ++noteOrder });
  if (notes.length > SHOWN) notes.shift();
  renderSoon();
}
